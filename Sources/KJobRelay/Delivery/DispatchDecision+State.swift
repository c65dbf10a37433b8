import KJobCore

extension DispatchDecision {
    /// The state to store after this decision.
    public var state: DeliveryState {
        switch self {
        case .delivered: .delivered
        case .retry: .pending
        case .failed: .failed
        case .dead: .dead
        }
    }
}
