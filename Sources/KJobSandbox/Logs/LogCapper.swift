import Foundation

/// Turns reads into numbered chunks and enforces `max_log_bytes`: the part that fits is kept, a
/// system chunk marks the cut, the rest is counted and dropped while the reader keeps draining.
/// Pure: no I/O, time passed in.
public struct LogCapper: Sendable {
    public let maxBytes: Int64
    public private(set) var summary = LogSummary()
    public private(set) var stdoutTail: OutputTail
    private var nextSeq: Int64 = 0

    public init(maxBytes: Int64, tailBytes: Int) {
        self.maxBytes = max(0, maxBytes)
        self.stdoutTail = OutputTail(capacity: tailBytes)
    }

    public var isCapped: Bool { summary.truncated }

    public static func truncationNote(maxBytes: Int64) -> String {
        "[kjob] output truncated: the log reached max_log_bytes (\(maxBytes) bytes); further output is discarded\n"
    }

    public static func discardedNote(_ discarded: Int64) -> String {
        "[kjob] \(discarded) bytes of output were discarded after the cap\n"
    }

    /// Chunks to store for `bytes` read from `stream` (none once the cap is reached).
    public mutating func ingest(_ stream: LogStream, _ bytes: UnsafeRawBufferPointer, at: Date) -> [LogChunk] {
        guard !bytes.isEmpty else { return [] }
        summary.totalBytes += Int64(bytes.count)
        if stream == .stdout { stdoutTail.append(bytes) }
        let room = maxBytes - summary.capturedBytes
        if summary.discardedBytes > 0 || room <= 0 {
            let first = summary.discardedBytes == 0
            summary.discardedBytes += Int64(bytes.count)
            return first ? [note(Self.truncationNote(maxBytes: maxBytes), at: at)] : []
        }
        if Int64(bytes.count) <= room {
            summary.capturedBytes += Int64(bytes.count)
            return [chunk(stream, Array(bytes), at: at)]
        }
        let kept = Int(room)
        summary.capturedBytes += room
        summary.discardedBytes += Int64(bytes.count - kept)
        return [
            chunk(stream, Array(bytes.prefix(kept)), at: at),
            note(Self.truncationNote(maxBytes: maxBytes), at: at)
        ]
    }

    public mutating func ingest(_ stream: LogStream, _ bytes: [UInt8], at: Date) -> [LogChunk] {
        bytes.withUnsafeBytes { ingest(stream, $0, at: at) }
    }

    /// A kjob note (e.g. "killed: timeout") as a system chunk; not counted against the cap.
    public mutating func note(_ text: String, at: Date) -> LogChunk {
        chunk(.system, Array(text.utf8), at: at)
    }

    /// The closing note when anything was discarded.
    public mutating func finish(at: Date) -> [LogChunk] {
        summary.truncated ? [note(Self.discardedNote(summary.discardedBytes), at: at)] : []
    }

    private mutating func chunk(_ stream: LogStream, _ bytes: [UInt8], at: Date) -> LogChunk {
        defer {
            nextSeq += 1
            summary.chunks += 1
        }
        return LogChunk(seq: nextSeq, stream: stream, bytes: bytes, at: at)
    }
}
