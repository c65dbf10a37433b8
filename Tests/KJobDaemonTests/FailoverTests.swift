import Foundation
import KJobStore
import PostgresNIO
import Testing

/// Two real `kjobd` processes against the test Postgres (heartbeat 250ms, timeout 1.5s,
/// server_release 3s, standby_poll 300ms). Timings are asserted with generous margins and printed.
@Suite("Failover (kjobd processes)", .enabled(if: TestDatabase.available), .serialized)
struct FailoverTests {
    struct Pair {
        let db: TestDatabase
        let a: KJobdProcess
        let b: KJobdProcess
        func process(_ node: String) -> KJobdProcess { node == "a" ? a : b }
    }

    /// The holder and epoch per the leader table, and nodes reporting themselves active.
    func leader(_ client: PostgresClient, _ db: TestDatabase) async throws -> (holder: String?, epoch: Int64) {
        var result: (String?, Int64) = (nil, 0)
        for try await row in try await client.query("SELECT holder, epoch FROM \(unescaped: db.names.schema).leader").decode((String?, Int64).self) {
            result = row
        }
        return result
    }

    func activeNodes(_ client: PostgresClient, _ db: TestDatabase) async throws -> [String] {
        var nodes: [String] = []
        for try await id in try await client.query("SELECT id FROM \(unescaped: db.names.schema).nodes WHERE role = 'active' ORDER BY id").decode(String.self) {
            nodes.append(id)
        }
        return nodes
    }

    /// Backends holding the lease lock right now.
    func lockHolders(_ client: PostgresClient, _ db: TestDatabase) async throws -> Int64 {
        try await client.scalar("""
            SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
               AND classid = ((\(db.lockKey)::bigint >> 32) & 4294967295)::oid AND objid = (\(db.lockKey)::bigint & 4294967295)::oid
            """, as: Int64.self) ?? 0
    }

    func withPair(_ body: @Sendable (Pair, PostgresClient) async throws -> Void) async throws {
        let db = try TestDatabase()
        try await db.migrate()
        try await db.withClient { client in
            let a = try KJobdProcess(node: "a", db: db)
            let first = try await poll(timeout: .seconds(30)) { try await self.leader(client, db).holder == "a" }
            try #require(first != nil, "node a never became active:\n\(a.log)")
            let b = try KJobdProcess(node: "b", db: db)
            let standby = try await poll(timeout: .seconds(30)) {
                try await client.scalar("SELECT role FROM \(unescaped: db.names.schema).nodes WHERE id = 'b'", as: String.self) == "standby"
            }
            try #require(standby != nil, "node b never reported standby:\n\(b.log)")
            // Each node records where its API answers: the port it bound for listen = 127.0.0.1:0.
            let urls = try await poll(timeout: .seconds(10)) {
                let count = try await client.scalar("""
                    SELECT count(*) FROM \(unescaped: db.names.schema).nodes
                     WHERE http_url ~ '^http://127\\.0\\.0\\.1:[1-9][0-9]*$'
                    """, as: Int64.self)
                return count == 2
            }
            try #require(urls != nil, "nodes did not record their bound API URL")
            let pair = Pair(db: db, a: a, b: b)
            do {
                try await body(pair, client)
            } catch {
                print("--- a ---\n\(a.log)\n--- b ---\n\(b.log)")
                throw error
            }
            a.signal(SIGCONT); b.signal(SIGCONT)
            a.signal(SIGTERM); b.signal(SIGTERM)
            _ = await a.waitForExit(timeout: .seconds(10))
            _ = await b.waitForExit(timeout: .seconds(10))
        }
    }

    @Test func exactlyOneActiveAndKillNineTakeover() async throws {
        try await withPair { pair, client in
            let db = pair.db
            // Sampled for 2 s: one lock holder, one node reporting active, and it is the holder.
            for _ in 0..<40 {
                #expect(try await lockHolders(client, db) == 1)
                let active = try await activeNodes(client, db)
                #expect(active == ["a"])
                try await Task.sleep(for: .milliseconds(50))
            }
            // A job firing every second across the crash (the real cron engine).
            let job = UUID()
            try await client.query("""
                INSERT INTO \(unescaped: db.names.schema).jobs (id, slug, spec, schedule, next_fire_at)
                VALUES (\(job), 'every-second', '', '* * * * * *', date_trunc('second', now()) + interval '1 second')
                """)
            let firing = try await poll(timeout: .seconds(5)) {
                try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).job_runs WHERE job_id = \(job)", as: Int64.self) ?? 0 >= 2
            }
            #expect(firing != nil, "the active never materialized the every-second job")
            let before = try await leader(client, db)
            pair.a.signal(SIGKILL)
            let took = try await poll(timeout: .seconds(5), interval: .milliseconds(10)) {
                let now = try await self.leader(client, db)
                return now.holder == "b" && now.epoch > before.epoch
            }
            print("measured: takeover after kill -9 of the active: \(took.map { "\($0)" } ?? "none")")
            let measured = try #require(took)
            #expect(measured < .milliseconds(1500))
            // b now reports active; a is gone.
            let bActive = try await poll(timeout: .seconds(2)) { try await self.activeNodes(client, db).contains("b") }
            #expect(bActive != nil)
            #expect(try await lockHolders(client, db) == 1)

            // After the takeover the fires continue: every second from the first is there once,
            // none lost across the crash, none twice.
            try await Task.sleep(for: .seconds(2))
            try await client.query("UPDATE \(unescaped: db.names.schema).jobs SET enabled = false, next_fire_at = NULL WHERE id = \(job)")
            var seconds: [Date] = []
            for try await at in try await client.query("SELECT scheduled_for FROM \(unescaped: db.names.schema).job_runs WHERE job_id = \(job) ORDER BY 1").decode(Date.self) {
                seconds.append(at)
            }
            let span = Int((seconds.last ?? .distantPast).timeIntervalSince(seconds.first ?? .distantPast).rounded()) + 1
            #expect(seconds.count == span, "fires were lost or duplicated: \(seconds.count) runs over \(span) seconds")
            #expect(Set(seconds).count == seconds.count)
            #expect(try await client.scalar("SELECT count(DISTINCT epoch) FROM \(unescaped: db.names.schema).job_runs WHERE job_id = \(job)", as: Int64.self) == 2)
        }
    }

    @Test func backendTerminationOfTheLockSessionMovesTheLease() async throws {
        try await withPair { pair, client in
            let db = pair.db
            let before = try await leader(client, db)
            let pid = try #require(try await client.scalar("SELECT holder_pid FROM \(unescaped: db.names.schema).leader", as: Int32.self))
            try await client.query("SELECT pg_terminate_backend(\(pid))")
            let took = try await poll(timeout: .seconds(5), interval: .milliseconds(10)) {
                let now = try await self.leader(client, db)
                return now.holder == "b" && now.epoch > before.epoch
            }
            print("measured: takeover after pg_terminate_backend of the active's lock session: \(took.map { "\($0)" } ?? "none")")
            let measured = try #require(took)
            #expect(measured < .milliseconds(1500))
            let aStandby = try await poll(timeout: .seconds(3)) {
                try await client.scalar("SELECT role FROM \(unescaped: db.names.schema).nodes WHERE id = 'a'", as: String.self) == "standby"
            }
            #expect(aStandby != nil)
            #expect(pair.a.log.contains("demoted"))
        }
    }

    @Test func gracefulHandoverOnSigterm() async throws {
        try await withPair { pair, client in
            let db = pair.db
            let before = try await leader(client, db)
            pair.a.signal(SIGTERM)
            let took = try await poll(timeout: .seconds(5), interval: .milliseconds(10)) {
                let now = try await self.leader(client, db)
                return now.holder == "b" && now.epoch > before.epoch
            }
            print("measured: graceful handover on SIGTERM: \(took.map { "\($0)" } ?? "none")")
            let measured = try #require(took)
            #expect(measured < .seconds(1))
            #expect(await pair.a.waitForExit(timeout: .seconds(10)))
            #expect(pair.a.process.terminationStatus == 0)
            #expect(pair.a.log.contains("lease released"))
            let stopped = try await client.scalar("SELECT role FROM \(unescaped: db.names.schema).nodes WHERE id = 'a'", as: String.self)
            #expect(stopped == "stopped")
        }
    }

    @Test func frozenActiveIsReplacedAndDemotesItselfWhenThawed() async throws {
        try await withPair { pair, client in
            let db = pair.db
            let before = try await leader(client, db)
            pair.a.signal(SIGSTOP)
            let took = try await poll(timeout: .seconds(10), interval: .milliseconds(10)) {
                let now = try await self.leader(client, db)
                return now.holder == "b" && now.epoch > before.epoch
            }
            print("measured: takeover from a frozen (SIGSTOP) active: \(took.map { "\($0)" } ?? "none") (server_release 3s)")
            let measured = try #require(took)
            #expect(measured < .seconds(5))  // server_release + 2 s
            let newEpoch = try await leader(client, db).epoch

            // A fire comes due just as the old active thaws: it must be materialized once, by b.
            let job = UUID()
            try await client.query("""
                INSERT INTO \(unescaped: db.names.schema).jobs (id, slug, spec, schedule, next_fire_at)
                VALUES (\(job), 'thaw', '', '@once 2026-01-01T00:00:00Z', now())
                """)
            pair.a.signal(SIGCONT)
            let demoted = try await poll(timeout: .seconds(5)) { pair.a.log.contains("demoted") }
            #expect(demoted != nil, "the thawed node never logged its demotion")
            let aRole = try await poll(timeout: .seconds(5)) {
                try await client.scalar("SELECT role FROM \(unescaped: db.names.schema).nodes WHERE id = 'a'", as: String.self) == "standby"
            }
            #expect(aRole != nil)
            // The fire exists once, written under the new epoch; nothing under the old one.
            let materialized = try await poll(timeout: .seconds(5)) {
                try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).job_runs WHERE job_id = \(job)", as: Int64.self) == 1
            }
            #expect(materialized != nil)
            #expect(try await client.scalar("SELECT epoch FROM \(unescaped: db.names.schema).job_runs WHERE job_id = \(job)", as: Int64.self) == newEpoch)
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).job_runs WHERE epoch = \(before.epoch)", as: Int64.self) == 0)
            if pair.a.log.contains("stale epoch: write rejected") { print("observed: the thawed node's write was rejected by the epoch fence") }
            #expect(try await leader(client, db).epoch == newEpoch)
            #expect(try await activeNodes(client, db) == ["b"])
            #expect(try await lockHolders(client, db) == 1)
        }
    }
}
