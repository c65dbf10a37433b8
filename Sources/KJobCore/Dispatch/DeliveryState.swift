/// A dispatch's state as stored and shown per run (`kjob runs`, the API). Shared names so the
/// store, API and CLI agree.
public enum DeliveryState: String, Sendable, Codable, Hashable, CaseIterable {
    /// Waiting for its first or next attempt.
    case pending
    case delivered
    /// Refused permanently by the relay.
    case failed
    /// Retried until `max_age` without success.
    case dead

    /// No further attempts will be made.
    public var isFinal: Bool { self != .pending }
}
