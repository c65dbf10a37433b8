/// What a leader worker's supervisor does when the worker ends (pure; `LeaderWorkService` is the
/// I/O side). Each worker of an activation is supervised alone: one that fails restarts after a
/// backoff while the others, and the runs in flight, go on. Only a stale epoch ends the whole
/// activation (every write of that epoch would be refused).
public struct WorkerSupervision: Sendable, Hashable {
    public struct Policy: Sendable, Hashable {
        /// Pause before a restart: 1 s, doubling per consecutive failure, at most 30 s.
        public var backoff = CappedBackoff(initial: .seconds(1), maximum: .seconds(30))
        /// A worker that ran this long before failing counts as healthy again: its next restart
        /// waits the initial pause.
        public var healthyAfter: Duration = .seconds(60)

        public init() {}
    }

    /// How the worker ended.
    public enum Exit: Sendable, Hashable {
        /// It was cancelled: the activation is ending (role change, shutdown).
        case cancelled
        /// It threw a stale-epoch error: the node lost the lease.
        case staleEpoch
        /// It threw any other error.
        case failed
        /// It returned while still wanted.
        case returned
    }

    public enum Action: Sendable, Hashable {
        /// Start the worker again after `after`; `failures` counts consecutive failures.
        case restart(after: Duration, failures: Int)
        /// Stop every worker of this activation: the epoch is gone.
        case endActivation
        /// Stop supervising this worker (the activation is ending anyway).
        case stop
    }

    public let policy: Policy
    /// Consecutive failures without a healthy run in between.
    public private(set) var failures = 0

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// The worker ended with `exit` after running for `ran`.
    public mutating func workerEnded(_ exit: Exit, after ran: Duration) -> Action {
        switch exit {
        case .cancelled:
            return .stop
        case .staleEpoch:
            return .endActivation
        case .failed, .returned:
            failures = ran >= policy.healthyAfter ? 1 : failures + 1
            return .restart(after: policy.backoff.delay(afterFailures: failures), failures: failures)
        }
    }
}
