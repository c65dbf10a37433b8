import Foundation
import KJobCore

/// A stored job: the spec as applied plus what the scheduler keeps about it.
public struct JobRecord: Sendable, Hashable {
    public var id: UUID
    public var tenant: String
    public var slug: String
    /// The spec as a TOML job file (`JobSpec.toml()` of what was applied).
    public var specTOML: String
    /// The column the materializer reads; enable/disable change it without editing the spec.
    public var enabled: Bool
    public var nextFireAt: Date?
    public var lastFireAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// Changes made to the job so far (1 when created); the API's ETag and `If-Match`.
    public var version: Int64
    /// Who made the job, who last changed it (token names); nil for jobs from before they were recorded.
    public var createdBy: String? = nil
    public var updatedBy: String? = nil
    /// The token that last created or replaced the job; its authority is checked at every fire.
    /// Nil: no owner recorded (the job fires as before owners existed).
    public var owner: String? = nil
    /// Who paused (disabled) the job, when, and why; nil while it is enabled.
    public var pausedBy: String? = nil
    public var pausedAt: Date? = nil
    public var pauseNote: String? = nil
    /// Since when the owner no longer covers the job (its fires are skipped `unauthorized`).
    public var unauthorizedAt: Date? = nil

    public init(
        id: UUID, tenant: String, slug: String, specTOML: String, enabled: Bool,
        nextFireAt: Date?, lastFireAt: Date?, createdAt: Date, updatedAt: Date, version: Int64 = 1
    ) {
        self.id = id
        self.tenant = tenant
        self.slug = slug
        self.specTOML = specTOML
        self.enabled = enabled
        self.nextFireAt = nextFireAt
        self.lastFireAt = lastFireAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// The spec in force: the stored one with the `enabled` column (enable and disable change
    /// only the column). Nil when the stored spec no longer parses.
    public var spec: JobSpec? {
        guard var spec = try? JobSpec(toml: specTOML) else { return nil }
        spec.enabled = enabled
        return spec
    }
}
