import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import Logging
import PostgresNIO
import Testing

@Suite("Audit log in the store: lease entries, append-only, retention, migration", .enabled(if: TestDatabase.available))
struct AuditStoreTests {
    @Test("taking the lease writes lease.acquire with the node and the epoch change, in the bump's own statement")
    func leaseAcquire() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            let session = try await LockSession.open(
                url: db.url, names: db.names,
                settings: .init(lockKey: db.lockKey, nodeID: "node-a", serverRelease: .seconds(10), connectTimeout: .seconds(5)),
                logger: db.logger, onRelease: {})
            defer { session.close() }
            guard case .acquired(let epoch) = try await session.tryAcquire().0 else {
                Issue.record("the lock was not acquired")
                return
            }
            let (entries, _) = try await AuditRepository(client: client, names: db.names, logger: db.logger).page(.init())
            #expect(entries.count == 1)
            let entry = try #require(entries.first)
            #expect(entry.action == AuditAction.leaseAcquire.rawValue && entry.actor == AuditAction.daemonActor && entry.tenant == nil)
            #expect(entry.note == "node node-a holds the lease at epoch \(epoch)")
            #expect(entry.changes == [FieldChange(field: "epoch", from: "\(epoch - 1)", to: "\(epoch)")])
        }
    }

    @Test("entries cannot be edited; retention deletes only entries older than the cutoff, fenced by the epoch")
    func appendOnlyAndRetention() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            let schema = db.names.schema
            try await client.query("UPDATE \(unescaped: schema).leader SET epoch = 3")
            try await client.query(
                """
                INSERT INTO \(unescaped: schema).audit (at, actor, action, job) VALUES
                    (now() - interval '400 days', 'alice', 'job.create', 'old'), (now() - interval '2 days', 'bob', 'job.update', 'recent')
                """)
            await #expect(throws: PSQLError.self) {
                try await client.query("UPDATE \(unescaped: schema).audit SET actor = 'mallory'")
            }
            let audit = AuditRepository(client: client, names: db.names, logger: db.logger)
            await #expect(throws: StaleEpochError.self) { try await audit.prune(epoch: 2, before: Date().addingTimeInterval(-365 * 86_400)) }
            #expect(try await audit.prune(epoch: 3, before: Date().addingTimeInterval(-365 * 86_400)) == 1)
            #expect(try await audit.page(.init()).entries.map(\.job) == ["recent"])
        }
    }

    @Test("migration 5 gives existing runs their trigger: manual, retry, schedule")
    func runTriggersOfExistingRuns() async throws {
        let db = try TestDatabase()
        let connection = try await db.connect()
        try await Migrator(names: db.names, migrations: Migrations.all.filter { $0.version < 5 }).migrate(on: connection, logger: db.logger)
        let s = db.names.schema
        let job = UUID()
        try await connection.query("INSERT INTO \(unescaped: s).jobs (id, slug, spec, schedule) VALUES (\(job), 'old', '', '@daily')", logger: db.logger)
        for (key, manual, attempt) in [("at:1", false, 1), ("at:1", false, 2), ("manual:x", true, 1), ("manual:x", true, 2)] {
            try await connection.query(
                """
                INSERT INTO \(unescaped: s).job_runs (id, job_id, scheduled_for, fire_key, manual, attempt, status)
                VALUES (\(UUID()), \(job), now(), \(key), \(manual), \(attempt), 'succeeded')
                """, logger: db.logger)
        }
        try await Migrator(names: db.names).migrate(on: connection, logger: db.logger)
        var triggers: [String] = []
        for try await trigger in try await connection.query(
            "SELECT trigger FROM \(unescaped: s).job_runs ORDER BY manual, attempt", logger: db.logger
        ).decode(String.self) {
            triggers.append(trigger)
        }
        try await connection.close()
        try await db.withClient { _ in }  // drops the schema
        #expect(triggers == ["schedule", "retry", "manual", "retry"])
    }
}
