/// The life of one run (DESIGN §7). Stored as the raw value.
public enum RunStatus: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
    case queued
    case running
    case succeeded
    case failed
    case timedOut = "timed_out"
    case cancelled
    /// Still `running` under an epoch that lost the lease; counts as a failed attempt.
    case lost
    /// Never started; the run records why (`SkipReason`).
    case skipped

    /// Statuses a run can leave.
    public var isActive: Bool { self == .queued || self == .running }

    /// Statuses a run never leaves.
    public var isTerminal: Bool { !isActive }

    /// The statuses this one may move to.
    ///
    /// queued → running (claimed once), skipped (overlap/disabled found at claim), cancelled,
    /// failed (could not be started, e.g. its agent vanished from the node's config).
    /// running → succeeded, failed, timed_out, cancelled, lost.
    public var allowedTransitions: Set<RunStatus> {
        switch self {
        case .queued: return [.running, .skipped, .cancelled, .failed]
        case .running: return [.succeeded, .failed, .timedOut, .cancelled, .lost]
        case .succeeded, .failed, .timedOut, .cancelled, .lost, .skipped: return []
        }
    }

    public func canTransition(to next: RunStatus) -> Bool {
        allowedTransitions.contains(next)
    }

    /// An attempt that ended this way is retried by the job's retry policy.
    public var isRetryableFailure: Bool {
        self == .failed || self == .timedOut || self == .lost
    }

    public var description: String { rawValue }
}
