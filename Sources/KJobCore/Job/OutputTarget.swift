/// Where a run's result is posted, and for which outcomes.
public struct OutputTarget: Hashable, Sendable {
    /// The relay channel, e.g. "kode-chat:user-rpm32510".
    public var channel: String
    /// The outcomes that are posted; never empty, no duplicates.
    public var on: [OutputEvent]

    public init(channel: String, on: [OutputEvent] = [.always]) {
        self.channel = channel
        self.on = on
    }

    /// Whether a run that ended in `status` is posted to this channel. Skipped runs never are.
    public func wants(_ status: RunStatus) -> Bool {
        guard status.isTerminal, status != .skipped else { return false }
        return on.contains { $0.matches(status) }
    }
}

/// An outcome an output subscribes to (`on = ["failure"]`).
public enum OutputEvent: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// The run succeeded.
    case success
    /// The run failed, timed out or was lost (an operator's cancel is not a failure).
    case failure
    /// Every finished run.
    case always

    public func matches(_ status: RunStatus) -> Bool {
        switch self {
        case .always: return status.isTerminal && status != .skipped
        case .success: return status == .succeeded
        case .failure: return [.failed, .timedOut, .lost].contains(status)
        }
    }

    public var description: String { rawValue }
}
