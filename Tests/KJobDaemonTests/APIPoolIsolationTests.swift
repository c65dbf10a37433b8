import AsyncHTTPClient
import Foundation
import KJobServer
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

/// API load must not starve the leader's work (issue #12 item 5): the API has its own pool and
/// token lookups are bounded, so a flood of unknown tokens leaves claims and finishes running.
@Suite("The API cannot starve the leader (kjobd process)", .enabled(if: TestDatabase.available), .serialized)
struct APIPoolIsolationTests {
    @Test func bogusTokenFloodLeavesClaimsAndFinishesRunning() async throws {
        let db = try TestDatabase()
        let root = "/tmp/kjob-flood-\(UUID().uuidString.lowercased())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await db.withClient { client in
            let schema = db.names.schema
            let node = try KJobdProcess(
                node: "f", db: db,
                extra: [
                    "KJOBD_AGENTS_SH_COMMAND": #"["/bin/sh", "-c", "{prompt}"]"#,
                    "KJOBD_EXECUTOR_WORK_DIR": "\(root)/work",
                    "KJOBD_EXECUTOR_LOG_DIR": "\(root)/logs"
                ])
            try #require(
                try await poll(timeout: .seconds(30)) {
                    try await client.scalar("SELECT COALESCE(holder, '') FROM \(unescaped: schema).leader", as: String.self) == "f"
                } != nil, "the node never became active:\n\(node.log)")
            let base = try #require(try await nodeAPIURL(client, db, node: "f"))

            // Every token lookup now blocks: a transaction here holds the token table locked against
            // writers (a lookup also stamps last_used_at); plain reads, such as the materializer's owner
            // check, still go through, as they do beside any real lookup.
            let locker = try await db.connect()
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                try await locker.query("BEGIN", logger: db.logger)
                try await locker.query("LOCK TABLE \(unescaped: schema).api_tokens IN EXCLUSIVE MODE", logger: db.logger)
                let statuses = try await withThrowingTaskGroup(of: UInt?.self, returning: [UInt?].self) { flood in
                    for _ in 0..<64 {
                        flood.addTask {
                            let response = try? await http.execute(authorizedGET("\(base)/v1/jobs", token: APIToken.generate()), timeout: .seconds(60))
                            return response.map { UInt($0.status.code) }
                        }
                    }
                    // Wait until the flood is at the database, stuck on the lock.
                    let stuck = try await poll(timeout: .seconds(30)) {
                        try await client.scalar(
                            """
                            SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                             WHERE c.relname = 'api_tokens' AND c.relnamespace = \(schema)::regnamespace AND NOT l.granted
                            """, as: Int64.self) ?? 0 >= 1
                    }
                    try #require(stuck != nil, "the bogus-token lookups never reached the database")

                    // A fire due now, while the flood waits: the leader must still claim, run and finish it.
                    let job = try await db.createJob(client, slug: "under-flood", script: "echo ok")
                    try await client.query("UPDATE \(unescaped: schema).jobs SET next_fire_at = now(), updated_at = now() WHERE id = \(job)")
                    let finished = try await poll(timeout: .seconds(30), interval: .milliseconds(50)) {
                        try await client.scalar(
                            """
                            SELECT count(*) FROM \(unescaped: schema).job_runs WHERE job_id = \(job) AND status = 'succeeded'
                            """, as: Int64.self) == 1
                    }
                    #expect(finished != nil, "the leader could not claim and finish a run while unknown-token lookups were stuck")
                    try await locker.query("COMMIT", logger: db.logger)
                    var statuses: [UInt?] = []
                    for try await status in flood { statuses.append(status) }
                    return statuses
                }
                // Each flood request got an answer: 401 once the lookup ran, or 503 when it waited too long.
                #expect(statuses.allSatisfy { $0 == 401 || $0 == 503 }, "unexpected answers: \(Set(statuses.map { $0.map(String.init) ?? "none" }))")
                let health = try await http.execute(HTTPClientRequest(url: "\(base)/healthz"), timeout: .seconds(10))
                #expect(health.status == .ok)
            } catch {
                print("--- node ---\n\(node.log)")
                try? await locker.close()
                try? await http.shutdown()
                _ = await node.stop(timeout: .seconds(10))
                throw error
            }
            try? await locker.close()
            try await http.shutdown()
            #expect(await node.stop(timeout: .seconds(15)))
        }
    }
}
