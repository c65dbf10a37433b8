import Foundation
import KJobDaemon
import KJobSandbox
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("PostgresLogSink", .enabled(if: TestDatabase.available))
struct PostgresLogSinkTests {
    /// The run ends while the ticker's insert is in flight, and the ticker is cancelled right
    /// after `finish` returns (as the executor does): every chunk is in Postgres when `finish` returns.
    @Test(arguments: 0..<20)
    func finishWaitsForTheTickersInsert(round: Int) async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            let job = try await db.createJob(client, slug: "sink-\(round)", script: "true")
            let run = UUID()
            try await client.query(
                """
                INSERT INTO \(unescaped: db.names.schema).job_runs (id, job_id, scheduled_for, fire_key, status)
                VALUES (\(run), \(job), now(), 'manual:sink', 'running')
                """)
            let store = RunLogStore(client: client, names: db.names, logger: db.logger)
            let sink = PostgresLogSink(runID: run, store: store, maxBatchBytes: 1 << 20, maxDelay: .milliseconds(20))
            try await sink.append(LogChunk(seq: 1, stream: .stdout, bytes: Array("first\n".utf8), at: Date()))
            try await sink.append(LogChunk(seq: 2, stream: .stdout, bytes: Array("second\n".utf8), at: Date()))
            try await Task.sleep(for: .milliseconds(30))  // ages the batch past maxDelay, so the ticker's flush is due
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try? await sink.flushIfDue() }
                await Task.yield()
                try await sink.finish(LogSummary())
                // The executor records the run's end now: its log must be complete already.
                #expect(try await store.chunks(runID: run).map(\.seq) == [1, 2])
                group.cancelAll()
            }
            #expect(try await store.chunks(runID: run).map(\.seq) == [1, 2])
        }
    }
}
