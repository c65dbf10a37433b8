/// How the run ended, as the relay sees it (`message.status`): cancelled and lost runs are `failed`.
public enum DispatchStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case success
    case failed
    case timeout

    public init(_ outcome: RunStatus) {
        switch outcome {
        case .succeeded: self = .success
        case .timedOut: self = .timeout
        default: self = .failed
        }
    }
}

extension RunStatus {
    /// The verb in a dispatch title: `[slug] completed`, `[slug] timed out`, `[slug] cancelled`.
    public var dispatchTitleVerb: String {
        switch self {
        case .succeeded: "completed"
        case .timedOut: "timed out"
        default: rawValue
        }
    }
}
