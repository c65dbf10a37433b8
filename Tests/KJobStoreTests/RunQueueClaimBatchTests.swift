import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("Run queue: several runs per claim", .enabled(if: TestDatabase.available))
struct RunQueueClaimBatchTests {
    /// Runs queued in the same transaction (a materializer batch) share `queued_at`: one claim
    /// starts several of them, oldest fire first, each with its own job's spec.
    @Test func oneClaimStartsSeveralRunsOldestFireFirst() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            var runs: [UUID] = []
            for index in 0..<6 {
                let job = try await db.createJob(client, slug: "b-\(index)", spec: ["prompt": "echo \(index)"])
                runs.append(try await insertQueuedRun(client, db, job: job, scheduledFor: Date(timeIntervalSince1970: 1_900_000_000 - Double(index))))
            }
            try await client.query("UPDATE \(unescaped: db.names.schema).job_runs SET queued_at = '2026-01-01T00:00:00Z'")
            let queue = RunQueue(client: client, names: db.names, nodeID: "n1", logger: db.logger)
            let report = try await queue.claim(epoch: 1, limit: 4, now: Date())
            #expect(report.claimed.map(\.id) == Array(runs.reversed().prefix(4)))
            #expect(report.claimed.map { try? $0.spec.get().prompt } == ["echo 5", "echo 4", "echo 3", "echo 2"])
            #expect(
                try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).job_runs WHERE status = 'running' AND epoch = 1", as: Int64.self)
                    == 4)
            #expect(try await queue.claim(epoch: 1, limit: 4, now: Date()).claimed.map(\.id) == [runs[1], runs[0]])
        }
    }

    /// Overlap is read from the stored spec without decoding it: a job without a stored spec
    /// still starts (and its run carries the reason it cannot execute); a spec that leaves
    /// `overlap` out gets the reader's default, `skip`.
    @Test func overlapOfUnreadableOrIncompleteSpecs() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let s = db.names.schema
            let bare = UUID()
            try await client.query("INSERT INTO \(unescaped: s).jobs (id, slug, spec, schedule) VALUES (\(bare), 'bare', '', '@every 1h')")
            let noOverlap = try await db.createJob(client, slug: "no-overlap")
            try await client.query("UPDATE \(unescaped: s).jobs SET spec_json = spec_json - 'overlap' WHERE id = \(noOverlap)")
            let queue = RunQueue(client: client, names: db.names, nodeID: "n1", logger: db.logger)
            let t0 = Date(timeIntervalSince1970: 1_900_000_000)
            _ = try await insertQueuedRun(client, db, job: bare, scheduledFor: t0)
            _ = try await insertQueuedRun(client, db, job: noOverlap, scheduledFor: t0)
            let first = try await queue.claim(epoch: 1, limit: 5, now: Date())
            #expect(first.claimed.count == 2)
            #expect(first.claimed.filter { $0.jobID == bare }.allSatisfy { (try? $0.spec.get()) == nil })
            let bareNext = try await insertQueuedRun(client, db, job: bare, scheduledFor: t0.addingTimeInterval(60))
            let skippedNext = try await insertQueuedRun(client, db, job: noOverlap, scheduledFor: t0.addingTimeInterval(60))
            let second = try await queue.claim(epoch: 1, limit: 5, now: Date())
            #expect(second.claimed.map(\.id) == [bareNext])
            #expect(second.skipped == [skippedNext])
            #expect(try await runStatus(client, db, skippedNext) == "skipped")
        }
    }
}
