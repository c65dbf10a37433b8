import Foundation
import KJobCore

/// A run this node claimed (queued → running) under `epoch`, with what it needs to execute it.
public struct ClaimedRun: Sendable, Hashable {
    public var id: UUID
    public var jobID: UUID
    /// The job's slug (`KJOB_JOB`, the log directory name).
    public var job: String
    public var scheduledFor: Date
    public var fireKey: String
    public var manual: Bool
    public var attempt: Int
    public var epoch: Int64
    public var startedAt: Date
    /// The job's stored spec, or why it could not be read (the run then fails without starting).
    public var spec: Result<JobSpec, JobSpecError>

    public init(
        id: UUID, jobID: UUID, job: String, scheduledFor: Date, fireKey: String, manual: Bool, attempt: Int,
        epoch: Int64, startedAt: Date, spec: Result<JobSpec, JobSpecError>
    ) {
        self.id = id
        self.jobID = jobID
        self.job = job
        self.scheduledFor = scheduledFor
        self.fireKey = fireKey
        self.manual = manual
        self.attempt = attempt
        self.epoch = epoch
        self.startedAt = startedAt
        self.spec = spec
    }
}
