/// A write by a node whose epoch is no longer current: it lost the lease and must stop acting.
public struct StaleEpochError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The epoch the writer believed in.
    public var epoch: Int64
    /// The epoch in the leader table when the write was rejected.
    public var current: Int64?
    /// What was attempted (`materialize`, `claim`, `finish`, `dispatch`...).
    public var operation: String

    public init(epoch: Int64, current: Int64?, operation: String) {
        self.epoch = epoch
        self.current = current
        self.operation = operation
    }

    public var description: String {
        "\(operation) rejected: epoch \(epoch) is stale (current epoch \(current.map(String.init) ?? "unknown")); this node is no longer active"
    }
}
