import AsyncHTTPClient
import Foundation
import KJobStore
import KJobTestSupport
import NIOCore
import PostgresNIO
import Testing

/// A real `kjobd` (own process, real Postgres, real sandbox child, real TLS relay sink) scraped
/// over HTTP: the metrics must show what the node did, not just exist.
@Suite("GET /metrics on a real node", .enabled(if: TestDatabase.available), .serialized)
struct MetricsEndpointTests {
    /// The value of one series (`name{labels}` exactly as rendered).
    func sample(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    /// The API port the node logged (it listens on port 0).
    func apiPort(_ node: KJobdProcess) async throws -> Int? {
        var port: Int?
        _ = try await poll(timeout: .seconds(30), interval: .milliseconds(50)) {
            let marker = "listening on 127.0.0.1:"
            guard let range = node.log.range(of: marker) else { return false }
            port = Int(node.log[range.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        return port
    }

    func scrape(_ http: HTTPClient, port: Int) async throws -> String {
        let response = try await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    @Test func activeNodeExportsLeaderRunsLatenessDispatchAndBacklog() async throws {
        let db = try TestDatabase()
        let root = "/tmp/kjob-metrics-\(UUID().uuidString.lowercased())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await withTLSSink { sink, files in
            try await db.withClient { client in
                let schema = db.names.schema
                let node = try KJobdProcess(
                    node: "m", db: db,
                    extra: [
                        "KJOBD_AGENTS_SH_COMMAND": #"["/bin/sh", "-c", "{prompt}"]"#,
                        "KJOBD_EXECUTOR_WORK_DIR": "\(root)/work",
                        "KJOBD_EXECUTOR_LOG_DIR": "\(root)/logs",
                        "KJOBD_RELAY_URL": "https://127.0.0.1:\(sink.port)/v1/dispatch",
                        "KJOBD_RELAY_CA_FILE": files.caCert,
                        "KJOBD_RELAY_TOKEN_FILE": files.token
                    ])
                let port = try #require(try await apiPort(node), "the node never logged its API port:\n\(node.log)")
                try #require(
                    try await poll(timeout: .seconds(30)) {
                        try await client.scalar("SELECT holder FROM \(unescaped: schema).leader", as: String.self) == "m"
                    } != nil, "the node never became active:\n\(node.log)")

                // A scheduled fire due now, with an output channel: materialized, run, delivered.
                // Due only once its output target exists (the active may run a due fire at once). Bumping
                // updated_at NOTIFYs the materializer, as an API edit does: next_fire_at alone does not wake it.
                let job = try await db.createJob(
                    client, slug: "metered", script: "echo metered", schedule: "@every 1h",
                    nextFireAt: nil, targets: [("ops", [])])
                try await client.query("UPDATE \(unescaped: schema).jobs SET next_fire_at = now(), updated_at = now() WHERE id = \(job)")
                let delivered = try await poll(timeout: .seconds(30), interval: .milliseconds(50)) {
                    try await client.scalar(
                        """
                        SELECT count(*) FROM \(unescaped: schema).job_runs r JOIN \(unescaped: schema).dispatches d ON d.run_id = r.id
                         WHERE r.job_id = \(job) AND r.status = 'succeeded' AND d.status = 'delivered'
                        """, as: Int64.self) == 1
                }
                try #require(delivered != nil, "the fire was not run and delivered:\n\(node.log)")
                // A run waiting for its not_before: queued, not due, so it stays in the queue depth.
                try await client.query(
                    """
                    INSERT INTO \(unescaped: schema).job_runs (id, job_id, scheduled_for, fire_key, manual, attempt, status, queued_at, not_before)
                    VALUES (\(UUID()), \(job), now(), 'manual:waiting', true, 1, 'queued', now(), now() + interval '1 hour')
                    """)

                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    let counted = try await poll(timeout: .seconds(30), interval: .milliseconds(250)) {
                        sample(try await scrape(http, port: port), "kjob_queue_depth") == 1
                    }
                    #expect(counted != nil, "the active never counted the waiting run in kjob_queue_depth")
                    let text = try await scrape(http, port: port)
                    #expect(sample(text, #"kjob_leader{node="m"}"#) == 1)
                    #expect((sample(text, "kjob_leader_epoch") ?? 0) >= 1)
                    #expect(sample(text, "kjob_leader_takeovers_total") == 1)
                    #expect((sample(text, #"kjob_runs_total{status="succeeded"}"#) ?? 0) >= 1)
                    #expect((sample(text, #"kjob_fire_lateness_seconds_count{trigger="scheduled"}"#) ?? 0) >= 1)
                    #expect((sample(text, "kjob_spawn_duration_seconds_count") ?? 0) >= 1)
                    #expect(sample(text, "kjob_running_children") == 0, "the finished run left the sandbox")
                    #expect((sample(text, #"kjob_dispatch_attempts_total{outcome="delivered"}"#) ?? 0) >= 1)
                    #expect(sample(text, "kjob_dispatch_backlog") == 0, "the dispatch was delivered")
                    #expect((sample(text, #"kjob_http_requests_total{code="2xx"}"#) ?? 0) >= 1, "earlier scrapes are counted")
                    #expect(text.contains(#"kjob_build_info{node="m",version="#))
                    let skew = try #require(sample(text, "kjob_clock_skew_seconds"))
                    #expect(abs(skew) < 5, "node and database share this machine's clock: skew \(skew) s")
                } catch {
                    try await http.shutdown()
                    throw error
                }
                try await http.shutdown()
                #expect(await node.stop(timeout: .seconds(20)), "the node did not stop on SIGTERM:\n\(node.log)")
            }
        }
    }
}
