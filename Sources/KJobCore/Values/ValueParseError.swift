/// A scalar value in a config or job file (a duration, a size) that could not be read.
public struct ValueParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text as given.
    public var input: String
    /// What is wrong and what would be accepted instead.
    public var reason: String

    public init(input: String, reason: String) {
        self.input = input
        self.reason = reason
    }

    public var description: String { "\"\(input)\": \(reason)" }
}
