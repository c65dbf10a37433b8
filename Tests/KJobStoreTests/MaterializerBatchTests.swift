import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

/// Inserts `count` jobs `<prefix>-<n>` due from `nextFireAt`, in one statement; every `disabledEvery`-th one disabled.
func insertJobs(
    _ client: PostgresClient, _ db: TestDatabase, prefix: String, count: Int, nextFireAt: Date, policy: String = "all",
    disabledEvery: Int = 0
) async throws {
    try await client.query(
        """
        INSERT INTO \(unescaped: db.names.schema).jobs (id, slug, spec, schedule, enabled, misfire_policy, next_fire_at)
        SELECT gen_random_uuid(), \(prefix) || '-' || n, '', '@every 10s', NOT (\(disabledEvery) > 0 AND n % \(disabledEvery) = 0),
               \(policy), \(nextFireAt)
          FROM generate_series(1, \(count)) AS n
        """)
}

@Suite("Materializer batches", .enabled(if: TestDatabase.available))
struct MaterializerBatchTests {
    /// 1,000 jobs with 3 fires due each, every 10th disabled; small batches and a small fire cap
    /// per transaction, three materializers racing: every fire is written exactly once.
    @Test func manyDueJobsProduceEachFireOnce() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 7)
            let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 10).rounded(.down) * 10 + 0.5)
            try await insertJobs(client, db, prefix: "burst", count: 1000, nextFireAt: now.addingTimeInterval(-20.5), disabledEvery: 10)
            var config = Materializer.Configuration()
            config.batchSize = 150
            config.maxFiresPerTransaction = 200
            let reports = try await withThrowingTaskGroup(of: Materializer.Report.self) { group in
                for node in ["a", "b", "c"] {
                    let materializer = Materializer(
                        client: client, names: db.names, nodeID: node, configuration: config, now: { now },
                        nextFire: everySeconds(10), logger: db.logger)
                    group.addTask { try await materializer.materializeDue(epoch: 7) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let s = db.names.schema
            #expect(reports.map(\.queued).reduce(0, +) == 2700)
            #expect(reports.map(\.skipped).reduce(0, +) == 300)
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: s).job_runs WHERE status = 'queued' AND epoch = 7", as: Int64.self) == 2700)
            #expect(
                try await client.scalar(
                    "SELECT count(*) FROM \(unescaped: s).job_runs WHERE status = 'skipped' AND reason = 'disabled' AND finished_at IS NOT NULL", as: Int64.self
                ) == 300)
            #expect(
                try await client.scalar(
                    "SELECT count(*) FROM (SELECT job_id, scheduled_for FROM \(unescaped: s).job_runs GROUP BY 1, 2 HAVING count(*) > 1) d", as: Int64.self)
                    == 0)
            #expect(try await client.scalar("SELECT count(DISTINCT fire_key) FROM \(unescaped: s).job_runs", as: Int64.self) == 3)
            #expect(
                try await client.scalar(
                    "SELECT count(*) FROM \(unescaped: s).jobs WHERE next_fire_at = \(now.addingTimeInterval(9.5)) AND last_fire_at = \(now.addingTimeInterval(-0.5))",
                    as: Int64.self) == 1000)
            // Nothing left: another pass writes nothing.
            let again = Materializer(
                client: client, names: db.names, nodeID: "a", configuration: config, now: { now },
                nextFire: everySeconds(10), logger: db.logger)
            let report = try await again.materializeDue(epoch: 7)
            #expect(report.queued + report.skipped == 0)
            #expect(report.earliestNextFire == now.addingTimeInterval(9.5))
        }
    }

    /// A stale epoch rejects the whole batch: no run written, no job advanced.
    @Test func staleEpochWritesNoneOfTheBatch() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 9)
            let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 10).rounded(.down) * 10 + 5)
            let due = now.addingTimeInterval(-1)
            try await insertJobs(client, db, prefix: "stale", count: 300, nextFireAt: due)
            let stale = Materializer(client: client, names: db.names, nodeID: "old", now: { now }, nextFire: everySeconds(10), logger: db.logger)
            await #expect(throws: StaleEpochError(epoch: 8, current: 9, operation: "materialize")) { try await stale.materializeDue(epoch: 8) }
            let s = db.names.schema
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: s).job_runs", as: Int64.self) == 0)
            #expect(
                try await client.scalar("SELECT count(*) FROM \(unescaped: s).jobs WHERE next_fire_at = \(due) AND last_fire_at IS NULL", as: Int64.self) == 300
            )
            // The current epoch writes them all.
            let current = Materializer(client: client, names: db.names, nodeID: "new", now: { now }, nextFire: everySeconds(10), logger: db.logger)
            let report = try await current.materializeDue(epoch: 9)
            #expect(report.queued == 300)
        }
    }

    /// A job whose schedule does not parse is written like any other (its due fire queued) and
    /// ends its schedule; it does not stop the rest of the batch.
    @Test func anUnparsableScheduleDoesNotPoisonTheBatch() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 10).rounded(.down) * 10 + 5)
            let due = now.addingTimeInterval(-1)
            try await insertJobs(client, db, prefix: "ok", count: 20, nextFireAt: due)
            let s = db.names.schema
            try await client.query("UPDATE \(unescaped: s).jobs SET schedule = '@every banana' WHERE slug = 'ok-7'")
            let materializer = Materializer(client: client, names: db.names, nodeID: "a", now: { now }, logger: db.logger)
            let report = try await materializer.materializeDue(epoch: 1)
            #expect(report.queued == 20)
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: s).jobs WHERE next_fire_at > \(now)", as: Int64.self) == 19)
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: s).jobs WHERE slug = 'ok-7' AND next_fire_at IS NULL", as: Int64.self) == 1)
        }
    }
}
