/// How the run ended, as the relay sees it (`message.status`).
public enum DispatchStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case success
    case failed
    case timeout

    /// The verb in the message title: `[slug] completed`, `[slug] failed`, `[slug] timed out`.
    public var titleVerb: String {
        switch self {
        case .success: "completed"
        case .failed: "failed"
        case .timeout: "timed out"
        }
    }
}
