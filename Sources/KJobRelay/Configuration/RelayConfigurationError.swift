/// A bad `[relay]` setting: which key, what it held, and what to do.
public struct RelayConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var value: String
    public var reason: String

    public init(key: String, value: String, reason: String) {
        self.key = key
        self.value = value
        self.reason = reason
    }

    public var description: String {
        value.isEmpty ? "relay.\(key): \(reason)" : "relay.\(key) \(value): \(reason)"
    }
}
