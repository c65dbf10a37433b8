/// When a job output is sent: `on = ["success"]`, `["failure"]` or `["always"]` (the default).
/// A timeout counts as a failure.
public enum DispatchTrigger: String, Sendable, Codable, Hashable, CaseIterable {
    case success
    case failure
    case always

    public func matches(_ status: DispatchStatus) -> Bool {
        switch self {
        case .always: true
        case .success: status == .success
        case .failure: status != .success
        }
    }

    /// Whether an output with these triggers fires; an empty list means `always`.
    public static func fires(_ triggers: some Collection<DispatchTrigger>, for status: DispatchStatus) -> Bool {
        triggers.isEmpty || triggers.contains { $0.matches(status) }
    }
}
