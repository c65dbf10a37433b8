import Foundation

/// Which stream a chunk came from; `system` chunks are kjob's own notes (truncation, kill).
public enum LogStream: String, Sendable, Hashable, CaseIterable {
    case stdout, stderr, system
}

/// A piece of a run's output, in arrival order. Bytes as the child wrote them: never decoded on
/// the way to storage, so binary and invalid UTF-8 survive.
public struct LogChunk: Sendable, Hashable {
    /// 0, 1, 2, ... per run, across both streams and system notes.
    public var seq: Int64
    public var stream: LogStream
    public var bytes: [UInt8]
    /// When kjob read the bytes.
    public var at: Date

    public init(seq: Int64, stream: LogStream, bytes: [UInt8], at: Date) {
        self.seq = seq
        self.stream = stream
        self.bytes = bytes
        self.at = at
    }

    /// For display only: invalid UTF-8 becomes U+FFFD.
    public var displayText: String { String(decoding: bytes, as: UTF8.self) }
}
