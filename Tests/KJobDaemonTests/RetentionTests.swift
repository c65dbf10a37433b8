import Foundation
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

@testable import KJobDaemon

@Suite("Retention (Postgres, log files)", .enabled(if: TestDatabase.available))
struct RetentionTests {
    func insertRun(_ client: PostgresClient, _ db: TestDatabase, job: UUID, status: String, endedDaysAgo: Double) async throws -> UUID {
        let id = UUID()
        let ended = Date().addingTimeInterval(-endedDaysAgo * 86_400)
        let finished: Date? = ["queued", "running"].contains(status) ? nil : ended
        try await client.query(
            """
            INSERT INTO \(unescaped: db.names.schema).job_runs (id, job_id, scheduled_for, fire_key, manual, attempt, status, queued_at, started_at, finished_at)
            VALUES (\(id), \(job), \(ended), \("manual:" + id.uuidString.lowercased()), true, 1, \(status), \(ended),
                    \(status == "queued" ? nil : ended), \(finished))
            """)
        return id
    }

    func count(_ client: PostgresClient, _ db: TestDatabase, _ table: String, run: UUID) async throws -> Int64 {
        try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).\(unescaped: table) WHERE run_id = \(run)", as: Int64.self) ?? -1
    }

    @Test func deletesOldFinishedRunsBeyondKeepButNeverLiveOrUndelivered() async throws {
        let db = try TestDatabase(prefix: "r")
        let logDir = "/tmp/kjob-retention-test-\(UUID().uuidString.lowercased())"
        defer { try? FileManager.default.removeItem(atPath: logDir) }
        try await db.withClient { client in
            let schema = db.names.schema
            try await client.query("UPDATE \(unescaped: schema).leader SET epoch = 1")
            let job = try await db.createJob(client, slug: "busy", script: "true")
            let other = try await db.createJob(client, slug: "quiet", script: "true")
            let recent = try await insertRun(client, db, job: job, status: "succeeded", endedDaysAgo: 0.01)
            let kept = try await insertRun(client, db, job: job, status: "failed", endedDaysAgo: 6)
            let old4 = try await insertRun(client, db, job: job, status: "succeeded", endedDaysAgo: 7)
            let old3 = try await insertRun(client, db, job: job, status: "timed_out", endedDaysAgo: 8)
            let undelivered = try await insertRun(client, db, job: job, status: "failed", endedDaysAgo: 9)
            let old1 = try await insertRun(client, db, job: job, status: "skipped", endedDaysAgo: 10)
            let queued = try await insertRun(client, db, job: job, status: "queued", endedDaysAgo: 20)
            let running = try await insertRun(client, db, job: job, status: "running", endedDaysAgo: 20)
            let otherOld = try await insertRun(client, db, job: other, status: "succeeded", endedDaysAgo: 40)
            for (run, status) in [(old3, "delivered"), (undelivered, "pending")] {
                try await client.query(
                    """
                    INSERT INTO \(unescaped: schema).dispatches (id, run_id, channel, payload, status) VALUES (\(UUID()), \(run), 'ops', '{}'::jsonb, \(status))
                    """)
            }
            try await client.query(
                """
                INSERT INTO \(unescaped: schema).run_log_chunks (run_id, seq, stream, data) VALUES (\(old3), 0, 'stdout', '\\x6869'::bytea)
                """)
            func logPath(_ job: String, _ run: UUID) -> String { "\(logDir)/\(job)/\(run.uuidString.lowercased()).log" }
            try FileManager.default.createDirectory(atPath: "\(logDir)/busy", withIntermediateDirectories: true)
            for run in [recent, kept, old4, old3, undelivered] {
                #expect(FileManager.default.createFile(atPath: logPath("busy", run), contents: Data("log\n".utf8)))
            }

            var configuration = RetentionSweeper.Configuration()
            configuration.keepRuns = 2
            configuration.maxAge = .seconds(86_400)
            configuration.logDir = logDir
            let service = RetentionSweeper(
                configuration: configuration, retention: RunRetention(client: client, names: db.names, logger: db.logger),
                now: { Date() }, logger: db.logger)
            let pruned = try await service.pass(epoch: 1)
            #expect(Set(pruned.map(\.id)) == [old4, old3, old1])
            #expect(Set(pruned.map(\.job)) == ["busy"])

            var left: Set<UUID> = []
            for try await id in try await client.query("SELECT id FROM \(unescaped: schema).job_runs").decode(UUID.self) { left.insert(id) }
            #expect(left == [recent, kept, undelivered, queued, running, otherOld])
            #expect(try await count(client, db, "run_log_chunks", run: old3) == 0)
            #expect(try await count(client, db, "dispatches", run: old3) == 0)
            #expect(try await count(client, db, "dispatches", run: undelivered) == 1)
            for run in [old4, old3] { #expect(!FileManager.default.fileExists(atPath: logPath("busy", run))) }
            for run in [recent, kept, undelivered] { #expect(FileManager.default.fileExists(atPath: logPath("busy", run))) }

            // A second pass finds nothing; a stale epoch deletes nothing.
            #expect(try await service.pass(epoch: 1).isEmpty)
            try await client.query("UPDATE \(unescaped: schema).dispatches SET status = 'delivered' WHERE run_id = \(undelivered)")
            try await client.query("UPDATE \(unescaped: schema).leader SET epoch = 2")
            await #expect(throws: StaleEpochError.self) { try await service.pass(epoch: 1) }
            #expect(try await count(client, db, "dispatches", run: undelivered) == 1)
            #expect(try await service.pass(epoch: 2).map(\.id) == [undelivered])
        }
    }
}
