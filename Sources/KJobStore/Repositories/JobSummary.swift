import Foundation

/// A job as listings show it: the columns a table needs and the last run's outcome, without the
/// spec (decoding every job's spec was most of a listing's cost; `get` returns it).
public struct JobSummary: Sendable, Hashable {
    /// The newest run of the job (by fire, then attempt), as the LAST RUN column shows it.
    public struct LastRun: Sendable, Hashable {
        public var id: UUID
        public var status: String
        public var scheduledFor: Date
        public var startedAt: Date?
        public var finishedAt: Date?

        public init(id: UUID, status: String, scheduledFor: Date, startedAt: Date?, finishedAt: Date?) {
            self.id = id
            self.status = status
            self.scheduledFor = scheduledFor
            self.startedAt = startedAt
            self.finishedAt = finishedAt
        }
    }

    public var id: UUID
    public var tenant: String
    public var slug: String
    public var enabled: Bool
    /// The schedule text as applied (`jobs.schedule`, kept equal to the spec's).
    public var schedule: String
    public var timezone: String
    public var nextFireAt: Date?
    public var lastFireAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var lastRun: LastRun?

    public init(id: UUID, tenant: String, slug: String, enabled: Bool, schedule: String, timezone: String,
                nextFireAt: Date?, lastFireAt: Date?, createdAt: Date, updatedAt: Date, lastRun: LastRun?) {
        self.id = id
        self.tenant = tenant
        self.slug = slug
        self.enabled = enabled
        self.schedule = schedule
        self.timezone = timezone
        self.nextFireAt = nextFireAt
        self.lastFireAt = lastFireAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastRun = lastRun
    }
}
