import Foundation

/// One row of `kjob.run_log_chunks`: bytes exactly as the child wrote them.
public struct StoredLogChunk: Sendable, Hashable {
    public var seq: Int
    /// `stdout`, `stderr` or `system`.
    public var stream: String
    public var at: Date
    public var data: [UInt8]

    public init(seq: Int, stream: String, at: Date, data: [UInt8]) {
        self.seq = seq
        self.stream = stream
        self.at = at
        self.data = data
    }
}
