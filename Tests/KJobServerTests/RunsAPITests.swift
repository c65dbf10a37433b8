import Foundation
import Hummingbird
import HummingbirdTesting
import KJobServer
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("HTTP API: runs, logs, cancel, cluster", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct RunsAPITests {
    @Test("run-now queues a manual run; runs lists it with the documented fields; filters and limit work")
    func runNowAndList() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("probe")
                let queued = try await api.call(.post, "/v1/jobs/probe/run", token: "operator")
                #expect(queued.status == .accepted)
                #expect(queued.json["status"] as? String == "queued")
                #expect(queued.json["manual"] as? Bool == true)
                let id = try #require(queued.json["id"] as? String)
                #expect(queued.headers[.location] == "/v1/runs/\(id)")

                // A finished scheduled run with a delivered dispatch, and a failed one with a pending dispatch.
                let schema = fixture.db.names.schema
                let jobIDText = try await api.call(.get, "/v1/jobs/probe", token: "viewer").json["id"] as? String
                let jobID = try #require(jobIDText.flatMap(UUID.init(uuidString:)))
                let ok = UUID()
                let failed = UUID()
                try await fixture.sql(
                    """
                    INSERT INTO \(unescaped: schema).job_runs (id, job_id, scheduled_for, fire_key, attempt, status, node, epoch, started_at, finished_at, exit_code)
                    VALUES (\(ok), \(jobID), now() - interval '2 hours', 'at:a', 1, 'succeeded', 'n1', 3, now() - interval '2 hours', now() - interval '119 minutes', 0)
                    """)
                try await fixture.sql(
                    """
                    INSERT INTO \(unescaped: schema).job_runs (id, job_id, scheduled_for, fire_key, attempt, status, reason, node, epoch, started_at, finished_at, exit_code, signal)
                    VALUES (\(failed), \(jobID), now() - interval '1 hour', 'at:b', 1, 'failed', 'exit 2', 'n2', 4, now() - interval '1 hour', now() - interval '59 minutes', 2, NULL)
                    """)
                try await fixture.sql(
                    "INSERT INTO \(unescaped: schema).dispatches (id, run_id, channel, payload, status) VALUES (\(UUID()), \(ok), 'ops', '{}', 'delivered')")
                try await fixture.sql(
                    "INSERT INTO \(unescaped: schema).dispatches (id, run_id, channel, payload, status, attempts, last_error) VALUES (\(UUID()), \(failed), 'ops', '{}', 'pending', 2, 'HTTP 503')"
                )

                let all = try await api.call(.get, "/v1/jobs/probe/runs", token: "viewer")
                let runs = all.json["runs"] as? [[String: Any]] ?? []
                #expect(runs.count == 3)
                #expect(runs.first?["id"] as? String == id, "newest fire first")
                for key in [
                    "id", "job", "scheduled_for", "attempt", "status", "reason", "node", "epoch", "started_at", "finished_at", "exit_code", "signal",
                    "dispatch_status"
                ] {
                    #expect(runs.allSatisfy { $0.keys.contains(key) }, "every run has \(key)")
                }
                #expect(runs.map { $0["dispatch_status"] as? String } == [nil, "pending", "delivered"])
                #expect(runs[1]["epoch"] as? Int == 4)
                #expect(runs[1]["job"] as? String == "probe")

                let failedOnly = try await api.call(.get, "/v1/jobs/probe/runs?status=failed", token: "viewer")
                #expect((failedOnly.json["runs"] as? [[String: Any]])?.map { $0["id"] as? String } == [failed.uuidString.lowercased()])
                let limited = try await api.call(.get, "/v1/jobs/probe/runs?limit=1", token: "viewer")
                #expect((limited.json["runs"] as? [Any])?.count == 1)

                let one = try await api.call(.get, "/v1/runs/\(failed)", token: "viewer")
                #expect(one.status == .ok)
                let dispatches = one.json["dispatches"] as? [[String: Any]]
                #expect(dispatches?.first?["last_error"] as? String == "HTTP 503")
                #expect(dispatches?.first?["attempts"] as? Int == 2)

                // The job shows its last run.
                let job = try await api.call(.get, "/v1/jobs/probe", token: "viewer")
                #expect((job.json["last_run"] as? [String: Any])?["id"] as? String == id)
            }
        }
    }

    @Test("cancel: a queued run is cancelled at once; a running one gets a request (202); a finished one is 409")
    func cancel() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("c")
                let id = try #require(try await api.call(.post, "/v1/jobs/c/run", token: "operator").json["id"] as? String)
                let cancelled = try await api.call(.post, "/v1/runs/\(id)/cancel", token: "operator")
                #expect(cancelled.status == .ok)
                #expect(cancelled.json["status"] as? String == "cancelled")
                #expect(cancelled.json["finished_at"] is String)
                api.expectProblem(try await api.call(.post, "/v1/runs/\(id)/cancel", token: "operator"), .conflict)

                let running = try #require(try await api.call(.post, "/v1/jobs/c/run", token: "operator").json["id"] as? String)
                try await fixture.sql(
                    "UPDATE \(unescaped: fixture.db.names.schema).job_runs SET status = 'running', started_at = now() WHERE id = \(UUID(uuidString: running)!)")
                let requested = try await api.call(.post, "/v1/runs/\(running)/cancel", token: "operator")
                #expect(requested.status == .accepted)
                #expect(requested.json["status"] as? String == "running")
                #expect(requested.json["cancel_requested_at"] is String)
                api.expectProblem(try await api.call(.post, "/v1/runs/\(UUID())/cancel", token: "operator"), .notFound)
            }
        }
    }

    @Test("log: whole output; follow streams until the run ends")
    func logs() async throws {
        try await APIFixture.with { fixture in
            let schema = fixture.db.names.schema
            try await fixture.test { api in
                try await api.createJob("l")
                let idText = try #require(try await api.call(.post, "/v1/jobs/l/run", token: "operator").json["id"] as? String)
                let id = try #require(UUID(uuidString: idText))
                try await fixture.sql("UPDATE \(unescaped: schema).job_runs SET status = 'running' WHERE id = \(id)")
                try await fixture.sql(
                    "INSERT INTO \(unescaped: schema).run_log_chunks (run_id, seq, stream, data) VALUES (\(id), 0, 'stdout', \(ByteBuffer(string: "hello ")))")
                try await fixture.sql(
                    "INSERT INTO \(unescaped: schema).run_log_chunks (run_id, seq, stream, data) VALUES (\(id), 1, 'stderr', \(ByteBuffer(bytes: [0xFF, 0x0A])))"
                )
                let whole = try await api.call(.get, "/v1/runs/\(idText)/log", token: "viewer")
                #expect(whole.status == .ok)
                #expect(whole.bytes == Array("hello ".utf8) + [0xFF, 0x0A])
                api.expectProblem(try await api.call(.get, "/v1/runs/\(idText)/log?follow=maybe", token: "viewer"), .badRequest)
            }
            // Follow over a live socket: chunks written later arrive, the stream ends with the run.
            let app = try fixture.app()
            try await app.test(.live) { client in
                let idText = try #require(
                    try await APITester(client: client, fixture: fixture).call(.get, "/v1/jobs/l/runs", token: "viewer").json["runs"].flatMap {
                        ($0 as? [[String: Any]])?.first?["id"] as? String
                    })
                let id = try #require(UUID(uuidString: idText))
                async let followed = client.executeRequest(uri: "/v1/runs/\(idText)/log?follow=1", method: .get, headers: fixture.headers("viewer"), body: nil)
                try await Task.sleep(for: .milliseconds(300))
                try await fixture.sql(
                    "INSERT INTO \(unescaped: schema).run_log_chunks (run_id, seq, stream, data) VALUES (\(id), 2, 'stdout', \(ByteBuffer(string: "later\n")))")
                try await fixture.sql("UPDATE \(unescaped: schema).job_runs SET status = 'succeeded', finished_at = now() WHERE id = \(id)")
                let response = try await followed
                #expect(response.status == .ok)
                #expect(Array(response.body.readableBytesView) == Array("hello ".utf8) + [0xFF, 0x0A] + Array("later\n".utf8))
            }
        }
    }

    @Test("cluster: leader and node roles (active, standby, down) with heartbeat age and skew")
    func cluster() async throws {
        try await APIFixture.with { fixture in
            let schema = fixture.db.names.schema
            try await fixture.sql(
                "UPDATE \(unescaped: schema).leader SET epoch = 7, holder = 'n1', since = now() - interval '1 hour', heartbeat_at = now() WHERE id = 1")
            try await fixture.sql(
                "INSERT INTO \(unescaped: schema).nodes (id, role, epoch, last_seen, clock_skew_ms, http_url) VALUES ('n1', 'active', 7, now(), 12, 'https://n1.example:7070')"
            )
            try await fixture.sql("INSERT INTO \(unescaped: schema).nodes (id, role, last_seen, clock_skew_ms) VALUES ('n2', 'standby', now(), -3)")
            try await fixture.sql(
                "INSERT INTO \(unescaped: schema).nodes (id, role, last_seen, clock_skew_ms) VALUES ('n3', 'standby', now() - interval '1 minute', 0)")
            try await fixture.test { api in
                let result = try await api.call(.get, "/v1/cluster", token: "viewer")
                #expect(result.status == .ok)
                let leader = result.json["leader"] as? [String: Any]
                #expect(leader?["node"] as? String == "n1")
                #expect(leader?["epoch"] as? Int == 7)
                #expect(leader?["since"] is String)
                #expect((leader?["heartbeat_age_ms"] as? Int).map { $0 >= 0 && $0 < 60_000 } == true)
                let nodes = result.json["nodes"] as? [[String: Any]] ?? []
                #expect(nodes.map { $0["id"] as? String } == ["n1", "n2", "n3"])
                #expect(nodes.map { $0["role"] as? String } == ["active", "standby", "down"])
                #expect(nodes.map { $0["clock_skew_ms"] as? Int } == [12, -3, 0])
                #expect(nodes.map { $0["http_url"] as? String } == ["https://n1.example:7070", nil, nil])
                #expect(nodes.allSatisfy { $0["last_seen"] is String })
                api.expectProblem(try await api.call(.get, "/v1/cluster", token: nil), .unauthorized)
            }
        }
    }
}
