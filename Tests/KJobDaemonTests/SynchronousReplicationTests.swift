import Foundation
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

/// `postgres.require_synchronous` against scripts/test's Postgres, which replicates to nobody
/// (an asynchronous setup as far as kjob can tell) (issue #16).
@Suite("SynchronousReplication", .enabled(if: TestDatabase.available && KJobdProcess.binary != nil))
struct SynchronousReplicationTests {
    @Test("refuse: kjobd exits at start with a message naming Patroni synchronous_mode, and never leads")
    func refuses() async throws {
        let db = try TestDatabase()
        try await db.withClient(migrating: false) { client in
            let node = try KJobdProcess(node: "a", db: db, extra: ["KJOBD_POSTGRES_REQUIRE_SYNCHRONOUS": "refuse"])
            #expect(await node.waitForExit(timeout: .seconds(60)), "kjobd kept running on an asynchronous primary")
            #expect(node.process.terminationStatus != 0)
            #expect(node.log.contains("refusing to start"), "\(node.log)")
            #expect(node.log.contains("synchronous_mode: true"))
            #expect(node.log.contains("postgres.require_synchronous"))
            let migrated = try await client.scalar("SELECT to_regclass(\(db.names.schema + ".leader"))::text", as: String?.self) ?? nil
            #expect(migrated == nil, "it touched the schema before refusing")
        }
    }

    @Test("warn: kjobd starts, takes the lease, and warns with the fix at connect")
    func warns() async throws {
        let db = try TestDatabase()
        try await db.withClient(migrating: false) { client in
            let node = try KJobdProcess(node: "a", db: db, extra: ["KJOBD_POSTGRES_REQUIRE_SYNCHRONOUS": "warn"])
            let led = try await poll(timeout: .seconds(30), interval: .milliseconds(100)) {
                let holder = try? await client.scalar("SELECT holder FROM \(unescaped: db.names.schema).leader", as: String?.self)
                return holder == "a"
            }
            #expect(led != nil, "kjobd with require_synchronous = warn never took the lease: \(node.log)")
            #expect(node.log.contains("replicates asynchronously"))
            #expect(node.log.contains("synchronous_mode: true"))
            #expect(await node.stop(timeout: .seconds(10)))
        }
    }
}
