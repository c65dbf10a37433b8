/// What put a run in the queue (the API's `trigger`). Stored as the raw value.
public enum RunTriggerKind: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// A fire of the job's schedule (the materializer).
    case schedule
    /// A run-now; the run records who asked.
    case manual
    /// A further attempt of a failed, timed-out or lost run.
    case retry
    /// A past fire created on request (`kjob backfill`).
    case backfill

    public var description: String { rawValue }
}
