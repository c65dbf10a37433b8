/// Where a run's log chunks go: the Postgres store implements it, `FileLogSink` writes the file.
///
/// The executor calls `append` with chunks in `seq` order, one at a time, and waits for it (so a
/// slow sink slows reading, not memory), then `finish` once. A throwing sink is reported in the
/// outcome and skipped for the rest of the run; the child is never blocked by a failed sink.
public protocol RunLogSink: Sendable {
    func append(_ chunk: LogChunk) async throws
    /// The run ended; `summary` says how much was kept and discarded.
    func finish(_ summary: LogSummary) async throws
}

/// How much output a run produced and what became of it.
public struct LogSummary: Sendable, Hashable {
    /// Bytes the child wrote to stdout and stderr.
    public var totalBytes: Int64
    /// Bytes kept in chunks (at most `max_log_bytes`).
    public var capturedBytes: Int64
    /// Bytes read and thrown away after the cap.
    public var discardedBytes: Int64
    /// Chunks emitted, system notes included.
    public var chunks: Int64

    public var truncated: Bool { discardedBytes > 0 }

    public init(totalBytes: Int64 = 0, capturedBytes: Int64 = 0, discardedBytes: Int64 = 0, chunks: Int64 = 0) {
        self.totalBytes = totalBytes
        self.capturedBytes = capturedBytes
        self.discardedBytes = discardedBytes
        self.chunks = chunks
    }
}
