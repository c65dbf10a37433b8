/// A store invariant did not hold; the message says which.
public struct RepositoryError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
