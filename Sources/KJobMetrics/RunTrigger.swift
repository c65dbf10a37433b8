/// What put a run in the queue, for the fire-lateness histogram.
public enum RunTrigger: String, CaseIterable, Sendable, Hashable {
    /// A fire of the job's schedule (lateness = child start − scheduled time).
    case scheduled
    /// `run-now` (lateness = child start − enqueue time).
    case manual
}
