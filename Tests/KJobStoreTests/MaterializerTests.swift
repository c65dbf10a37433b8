import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

/// Fires every `seconds`, at Unix-epoch multiples (like `@every`), independent of the cron engine.
func everySeconds(_ seconds: Double) -> Materializer.NextFire {
    { _, after in Date(timeIntervalSince1970: (after.timeIntervalSince1970 / seconds).rounded(.down) * seconds + seconds) }
}

func setEpoch(_ client: PostgresClient, _ db: TestDatabase, _ epoch: Int64) async throws {
    try await client.query("UPDATE \(unescaped: db.names.schema).leader SET epoch = \(epoch)")
}

@Suite("Materializer and fencing", .enabled(if: TestDatabase.available))
struct MaterializerTests {
    /// The fire key travels in dispatches (relay idempotency): its text must not drift.
    @Test func fireKeyIsTheUTCTimeToTheMillisecond() {
        #expect(Materializer.fireKey(Date(timeIntervalSince1970: 1_900_000_000)) == "at:2030-03-17T17:46:40.000Z")
        #expect(Materializer.fireKey(Date(timeIntervalSince1970: 1_900_000_000.25)) == "at:2030-03-17T17:46:40.250Z")
    }

    @Test func staleEpochWritesAreRejected() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 5)
            let fencing = Fencing(client: client, names: db.names)
            await #expect(throws: StaleEpochError(epoch: 4, current: 5, operation: "claim")) {
                try await fencing.withFencedTransaction(epoch: 4, operation: "claim", logger: db.logger) { connection in
                    try await connection.query("INSERT INTO \(unescaped: db.names.schema).nodes (id, role) VALUES ('x', 'active')", logger: db.logger)
                }
            }
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).nodes", as: Int64.self) == 0)
            try await fencing.withFencedTransaction(epoch: 5, operation: "claim", logger: db.logger) { connection in
                try await connection.query("INSERT INTO \(unescaped: db.names.schema).nodes (id, role) VALUES ('x', 'active')", logger: db.logger)
            }
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).nodes", as: Int64.self) == 1)

            // A stale materializer writes nothing.
            let now = Date()
            let job = try await db.createJob(client, slug: "stale", schedule: "@every 10s", nextFireAt: now.addingTimeInterval(-1))
            let stale = Materializer(client: client, names: db.names, nodeID: "old", now: { now }, nextFire: everySeconds(10), logger: db.logger)
            await #expect(throws: StaleEpochError.self) { try await stale.materialize(jobID: job, epoch: 4) }
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).job_runs", as: Int64.self) == 0)
        }
    }

    @Test func epochBumpWaitsForFencedTransactionsInFlight() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let fencing = Fencing(client: client, names: db.names)
            let entered = Observed(false)
            let release = Observed(false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await fencing.withFencedTransaction(epoch: 1, operation: "finish", logger: db.logger) { connection in
                        entered.set(true)
                        _ = await release.wait(until: { $0 })
                        try await connection.query("INSERT INTO \(unescaped: db.names.schema).nodes (id, role) VALUES ('old', 'active')", logger: db.logger)
                    }
                }
                _ = await entered.wait(until: { $0 })
                // The heartbeat-style update of non-key columns is not blocked...
                try await client.query("UPDATE \(unescaped: db.names.schema).leader SET heartbeat_at = now()")
                // ...but the bump waits for the fenced transaction.
                group.addTask {
                    try await client.query("UPDATE \(unescaped: db.names.schema).leader SET epoch = epoch + 1")
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await client.scalar("SELECT epoch FROM \(unescaped: db.names.schema).leader", as: Int64.self) == 1)
                release.set(true)
                try await group.waitForAll()
            }
            #expect(try await client.scalar("SELECT epoch FROM \(unescaped: db.names.schema).leader", as: Int64.self) == 2)
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).nodes WHERE id = 'old'", as: Int64.self) == 1)
        }
    }

    @Test func racingMaterializersProduceEachFireOnce() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 3)
            let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 10).rounded(.down) * 10 + 0.5)
            var jobs: [UUID] = []
            for index in 0..<20 {
                // 5 fires due each: now-40s ... now-0.5s (on time with a 60 s threshold).
                jobs.append(
                    try await db.createJob(
                        client, slug: "job-\(index)", spec: ["misfire": ["policy": "all"]], schedule: "@every 10s", nextFireAt: now.addingTimeInterval(-40.5)))
            }
            var config = Materializer.Configuration()
            config.misfireThreshold = .seconds(60)
            config.batchSize = 7
            let makeMaterializer = { (node: String) in
                Materializer(
                    client: client, names: db.names, nodeID: node, configuration: config, now: { now },
                    nextFire: everySeconds(10), logger: db.logger)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in ["a", "b", "c"] {
                    let materializer = makeMaterializer(node)
                    group.addTask {
                        for _ in 0..<3 { try await materializer.materializeDue(epoch: 3) }
                    }
                }
                try await group.waitForAll()
            }
            let s = db.names.schema
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: s).job_runs", as: Int64.self) == 100)
            #expect(
                try await client.scalar(
                    "SELECT count(*) FROM (SELECT job_id, scheduled_for FROM \(unescaped: s).job_runs GROUP BY 1, 2 HAVING count(*) > 1) d", as: Int64.self)
                    == 0)
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: s).job_runs WHERE status = 'queued' AND epoch = 3", as: Int64.self) == 100)
            // Every job advanced past now.
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: s).jobs WHERE next_fire_at <= \(now)", as: Int64.self) == 0)
            _ = jobs
        }
    }

    /// Both nodes were down across 10 fires (every 10 s, the last 5 s ago); the threshold is 1 s,
    /// so all 10 are missed, and each policy gives its documented runs and skipped records.
    @Test(arguments: [
        ("skip", Int64(3_600_000), 0, 10),
        ("latest", Int64(3_600_000), 1, 9),
        ("all", Int64(3_600_000), 10, 0),
        ("all", Int64(30_000), 3, 7),
        ("latest", Int64(2_000), 0, 10)
    ])
    func misfirePolicies(policy: String, windowMs: Int64, queued: Int, skipped: Int) async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let base = (Date().timeIntervalSince1970 / 10).rounded(.down) * 10
            let now = Date(timeIntervalSince1970: base + 5)
            let job = try await db.createJob(
                client, slug: "m", spec: ["misfire": ["policy": policy, "window": "\(windowMs)ms"]], schedule: "@every 10s",
                nextFireAt: Date(timeIntervalSince1970: base - 90))
            var config = Materializer.Configuration()
            config.misfireThreshold = .seconds(1)
            let materializer = Materializer(
                client: client, names: db.names, nodeID: "a", configuration: config, now: { now },
                nextFire: everySeconds(10), logger: db.logger)
            let report = try await materializer.materializeDue(epoch: 1)
            #expect(report.queued == queued)
            #expect(report.skipped == skipped)
            let s = db.names.schema
            #expect(
                try await client.scalar(
                    "SELECT count(*) FROM \(unescaped: s).job_runs WHERE status = 'skipped' AND reason IN ('missed', 'superseded')", as: Int64.self)
                    == Int64(skipped))
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: s).job_runs WHERE status = 'queued'", as: Int64.self) == Int64(queued))
            if policy == "latest", queued == 1 {
                #expect(
                    try await client.scalar("SELECT scheduled_for FROM \(unescaped: s).job_runs WHERE status = 'queued'", as: Date.self)
                        == Date(timeIntervalSince1970: base))
            }
            #expect(
                try await client.scalar("SELECT next_fire_at FROM \(unescaped: s).jobs WHERE id = \(job)", as: Date.self)
                    == Date(timeIntervalSince1970: base + 10))
            // Running again changes nothing.
            let again = try await materializer.materializeDue(epoch: 1)
            #expect(again.queued + again.skipped == 0)
        }
    }

    @Test func disabledJobsRecordSkippedFires() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let base = (Date().timeIntervalSince1970 / 10).rounded(.down) * 10
            let now = Date(timeIntervalSince1970: base + 1)
            _ = try await db.createJob(
                client, slug: "off", spec: ["enabled": false], schedule: "@every 10s", nextFireAt: Date(timeIntervalSince1970: base - 20))
            let materializer = Materializer(client: client, names: db.names, nodeID: "a", now: { now }, nextFire: everySeconds(10), logger: db.logger)
            let report = try await materializer.materializeDue(epoch: 1)
            #expect(report.queued == 0)
            #expect(report.skipped == 3)
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).job_runs WHERE reason = 'disabled'", as: Int64.self) == 3)
        }
    }
}
