import Foundation
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("Migrations", .enabled(if: TestDatabase.available))
struct MigrationTests {
    @Test func concurrentMigrationsApplyOnceAndCreateTheTables() async throws {
        let db = try TestDatabase()
        let results = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let connection = try await db.connect()
                    let applied = try await Migrator(names: db.names).migrate(on: connection, logger: db.logger)
                    try await connection.close()
                    return applied
                }
            }
            return try await group.reduce(into: [[Int]]()) { $0.append($1) }
        }
        #expect(results.filter { $0 == Migrations.all.map(\.version) }.count == 1)
        #expect(results.filter { $0.isEmpty }.count == 3)
        try await db.withClient(migrating: false) { client in
            for table in ["leader", "nodes", "jobs", "job_dispatch_targets", "job_runs", "run_log_chunks", "dispatches", "api_tokens"] {
                let exists = try await client.scalar("SELECT to_regclass(\(db.names.schema + "." + table)) IS NOT NULL", as: Bool.self)
                #expect(exists == true, "missing table \(table)")
            }
            #expect(try await client.scalar("SELECT epoch FROM \(unescaped: db.names.schema).leader", as: Int64.self) == 0)
            // A second run is a no-op.
            let connection = try await db.connect()
            #expect(try await Migrator(names: db.names).migrate(on: connection, logger: db.logger).isEmpty)
            try await connection.close()
        }
    }

    @Test func runStatusesAreConstrained() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            let s = db.names.schema
            let job = UUID()
            try await client.query("INSERT INTO \(unescaped: s).jobs (id, slug, spec, schedule) VALUES (\(job), 'a', '', '* * * * *')")
            await #expect(throws: PSQLError.self) {
                try await client.query(
                    "INSERT INTO \(unescaped: s).job_runs (id, job_id, scheduled_for, fire_key, status) VALUES (\(UUID()), \(job), now(), 'x', 'exploded')")
            }
            for status in ["queued", "running", "succeeded", "failed", "timed_out", "cancelled", "lost", "skipped"] {
                try await client.query(
                    "INSERT INTO \(unescaped: s).job_runs (id, job_id, scheduled_for, fire_key, status, manual) VALUES (\(UUID()), \(job), now(), \(status), \(status), true)"
                )
            }
        }
    }
}
