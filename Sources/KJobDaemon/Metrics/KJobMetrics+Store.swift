import KJobCore
import KJobMetrics
import KJobRelay
import KJobStore

extension KJobMetrics {
    /// One relay attempt: the policy's decision and, when not delivered, the cause.
    func dispatchAttempted(_ decision: DispatchDecision, result: DeliveryResult) {
        let outcome: DispatchAttemptOutcome =
            switch decision {
            case .delivered: .delivered
            case .retry: .retry
            case .failed: .failed
            case .dead: .dead
            }
        var cause: DispatchFailureKind?
        if outcome != .delivered {
            cause =
                switch result {
                case .response(let status, _, _): (400..<500).contains(status) ? .http4xx : .http5xx
                case .timedOut: .timeout
                case .connectionFailed: .connection
                case .tlsFailed: .tls
                case .requestInvalid: .invalid
                }
        }
        dispatchAttempted(outcome, failure: cause)
    }
}

extension KJobMetrics {
    /// What host selection observed (``PrimaryTracker`` logs it too).
    func postgres(_ event: PostgresEvent) {
        switch event {
        case .connected(let kind, _): postgresConnected(kind)
        case .primaryChanged: postgresPrimaryChanged()
        case .refused(_, let reason, _): postgresRefused(reason)
        }
    }
}
