import Foundation
import KJobSandbox
import KJobStore

/// Sends a run's chunks to `kjob.run_log_chunks` in batches: when `maxBatchBytes` are waiting,
/// when the oldest waiting chunk is `maxDelay` old (``flushIfDue()``, called by the executor's
/// ticker), and at the end. Memory stays bounded: an append that fills the batch waits for its insert.
/// Each insert has a deadline. A failed insert keeps its batch for the next flush, so one
/// transient error (a pool timeout, a serialization failure) loses nothing; an insert past its
/// deadline, or `maxFailures` failures in a row, fail the sink for the rest of the run: every later
/// call throws that error and the sandbox stops feeding it (the log file keeps everything), so the
/// run still ends and a Postgres that does not answer is not asked again every `maxDelay`.
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
    /// The error that failed the sink, if one did.
    private var failure: (any Error)?
    /// Failed inserts in a row; at `maxFailures` the sink gives up.
    private var failures = 0
    static let maxFailures = 3
    /// Chunks written to Postgres so far.
    public private(set) var written = 0

    public init(
        runID: UUID, store: RunLogStore, maxBatchBytes: Int = 64 << 10, maxDelay: Duration = .milliseconds(100),
        deadline: Duration? = nil
    ) {
        self.runID = runID
        self.store = store
        self.maxBatchBytes = maxBatchBytes
        self.maxDelay = maxDelay
        self.deadline = deadline
    }

    public func append(_ chunk: KJobSandbox.LogChunk) async throws {
        if let failure { throw failure }
        pending.append(StoredLogChunk(seq: Int(chunk.seq), stream: chunk.stream.rawValue, at: chunk.at, data: chunk.bytes))
        pendingBytes += chunk.bytes.count
        if oldest == nil { oldest = .now }
        if pendingBytes >= maxBatchBytes || ContinuousClock.now - oldest! >= maxDelay {
            try await flush()
        }
    }

    /// Returns once every chunk is written, or throws once the sink has failed.
    public func finish(_ summary: LogSummary) async throws {
        try await flush()
        while !pending.isEmpty {
            try await Task.sleep(for: maxDelay)
            try await flush()
        }
    }

    /// Flushes when the oldest waiting chunk has waited `maxDelay`.
    public func flushIfDue() async throws {
        guard failure == nil, let oldest, ContinuousClock.now - oldest >= maxDelay else { return }
        try await flush()
    }

    /// One insert at a time, so `finish` returns only once every chunk is written: the executor's
    /// ticker may be mid-insert when the run ends, and is cancelled right after. A cancelled or
    /// failed insert puts its batch back for the next flush (re-sent chunks are ignored), unless
    /// the failure fails the sink.
    public func flush() async throws {
        while flushing { await withCheckedContinuation { waiting.append($0) } }
        if let failure { throw failure }
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
        } catch let error as CancellationError {
            pending = batch + pending
            pendingBytes += bytes
            oldest = .now
            throw error
        } catch {
            failures += 1
            guard error is DatabaseDeadlineError || failures >= Self.maxFailures else {
                pending = batch + pending
                pendingBytes += bytes
                oldest = .now
                return
            }
            failure = error
            pending = []
            pendingBytes = 0
            throw error
        }
        failures = 0
        written += batch.count
    }
}
