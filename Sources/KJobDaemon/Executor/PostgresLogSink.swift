import Foundation
import KJobSandbox
import KJobStore

/// Sends a run's chunks to `kjob.run_log_chunks` in batches: when `maxBatchBytes` are waiting,
/// when the oldest waiting chunk is `maxDelay` old (``flushIfDue()``, called by the executor's
/// ticker), and at the end. Memory stays bounded: an append that fills the batch waits for its insert.
/// Each insert has a deadline: one that Postgres does not answer in time fails, and the sandbox
/// then stops feeding this sink (the log file keeps the rest), so the run still ends.
public actor PostgresLogSink: RunLogSink {
    public nonisolated let runID: UUID
    private let store: RunLogStore
    private let maxBatchBytes: Int
    private let maxDelay: Duration
    private let deadline: Duration?
    private var pending: [StoredLogChunk] = []
    private var pendingBytes = 0
    private var oldest: ContinuousClock.Instant?
    private var flushing = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Chunks written to Postgres so far.
    public private(set) var written = 0

    public init(runID: UUID, store: RunLogStore, maxBatchBytes: Int = 64 << 10, maxDelay: Duration = .milliseconds(100),
                deadline: Duration? = nil) {
        self.runID = runID
        self.store = store
        self.maxBatchBytes = maxBatchBytes
        self.maxDelay = maxDelay
        self.deadline = deadline
    }

    public func append(_ chunk: KJobSandbox.LogChunk) async throws {
        pending.append(StoredLogChunk(seq: Int(chunk.seq), stream: chunk.stream.rawValue, at: chunk.at, data: chunk.bytes))
        pendingBytes += chunk.bytes.count
        if oldest == nil { oldest = .now }
        if pendingBytes >= maxBatchBytes || ContinuousClock.now - oldest! >= maxDelay {
            try await flush()
        }
    }

    public func finish(_ summary: LogSummary) async throws {
        try await flush()
    }

    /// Flushes when the oldest waiting chunk has waited `maxDelay`.
    public func flushIfDue() async throws {
        guard let oldest, ContinuousClock.now - oldest >= maxDelay else { return }
        try await flush()
    }

    /// One insert at a time, so `finish` returns only once every chunk is written: the executor's
    /// ticker may be mid-insert when the run ends, and is cancelled right after. A failed (or
    /// cancelled) insert puts its batch back for the next flush; re-sent chunks are ignored.
    public func flush() async throws {
        while flushing { await withCheckedContinuation { waiting.append($0) } }
        guard !pending.isEmpty else { return }
        flushing = true
        defer {
            flushing = false
            let waiters = waiting
            waiting = []
            for waiter in waiters { waiter.resume() }
        }
        let batch = pending
        let bytes = pendingBytes
        pending = []
        pendingBytes = 0
        oldest = nil
        do {
            try await store.append(runID: runID, batch, deadline: deadline)
        } catch {
            pending = batch + pending
            pendingBytes += bytes
            oldest = .now
            throw error
        }
        written += batch.count
    }
}
