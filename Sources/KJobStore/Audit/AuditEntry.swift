import Foundation
import KJobCore

/// A change to record (``AuditLog/append(_:schema:on:logger:)``); the database assigns `id` and `at`.
public struct AuditEntry: Sendable, Hashable {
    /// The token's name; `kjobd` for the daemon's own actions; the OS user for `kjobd token …`.
    public var actor: String
    /// Nil for cluster-wide entries (`lease.acquire`, tokens without a tenant).
    public var tenant: String?
    public var action: AuditAction
    /// The job's slug, when one is concerned.
    public var job: String?
    public var run: UUID?
    public var note: String?
    /// For updates: the fields that changed. Never secrets (see ``FieldChange``).
    public var changes: [FieldChange]

    public init(
        actor: String, tenant: String?, action: AuditAction, job: String? = nil, run: UUID? = nil,
        note: String? = nil, changes: [FieldChange] = []
    ) {
        self.actor = actor
        self.tenant = tenant
        self.action = action
        self.job = job
        self.run = run
        self.note = note
        self.changes = changes
    }
}
