/// A sink failure worded for the person running it.
public struct SinkError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
