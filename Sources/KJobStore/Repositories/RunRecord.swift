import Foundation

/// A run as the API shows it: the `job_runs` row, its job's slug and tenant, and its delivery state.
public struct RunRecord: Sendable, Hashable {
    public var id: UUID
    public var jobID: UUID
    public var tenant: String
    public var job: String
    public var scheduledFor: Date
    public var manual: Bool
    public var attempt: Int
    public var status: String
    public var reason: String?
    public var node: String?
    public var epoch: Int64?
    public var queuedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var exitCode: Int?
    public var signal: Int?
    public var logBytes: Int64
    public var logTruncated: Bool
    public var cancelRequestedAt: Date?
    /// Summary over the run's dispatches: nil when none, else pending, dead, failed or delivered
    /// (the worst one wins).
    public var dispatchStatus: String?
    /// Created by `kjob backfill` (or a retry of such a run).
    public var backfill: Bool = false
    /// What queued the run: a ``KJobCore/RunTriggerKind`` raw value.
    public var trigger: String = "schedule"
    /// Who asked for a manual run (the token's name).
    public var triggeredBy: String? = nil

    public var isActive: Bool { status == "queued" || status == "running" }
}

/// One dispatch of a run (the outbox row), for `GET /v1/runs/{id}`.
public struct DispatchRecord: Sendable, Hashable {
    public var channel: String
    public var status: String
    public var attempts: Int
    public var lastError: String?
    public var lastHTTPStatus: Int?
    public var nextAttemptAt: Date
    public var deliveredAt: Date?
}
