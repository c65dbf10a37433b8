import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import KJobServer
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("Console: overview and its live stream", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct ConsoleOverviewTests {
    /// A cluster (n1 active at epoch 7, n2 standby), runs of both tenants in every region, dispatches.
    struct Scene {
        var running: UUID
        var queued: UUID
        var otherTenantRunning: UUID
    }

    static func scene(_ fixture: APIFixture, _ api: APITester) async throws -> Scene {
        let schema = fixture.db.names.schema
        try await api.createJob("alpha", schedule: "*/5 * * * *")
        try await api.createJob("beta", token: "a-admin")
        func jobID(_ slug: String) async throws -> UUID {
            try #require(try await fixture.client.scalar("SELECT id FROM \(unescaped: schema).jobs WHERE slug = \(slug)", as: UUID.self))
        }
        let alpha = try await jobID("alpha")
        let beta = try await jobID("beta")
        try await fixture.sql(
            "UPDATE \(unescaped: schema).leader SET epoch = 7, holder = 'n1', since = now() - interval '1 hour', heartbeat_at = now() WHERE id = 1")
        try await fixture.sql(
            "INSERT INTO \(unescaped: schema).nodes (id, role, epoch, last_seen, clock_skew_ms, version) VALUES ('n1', 'active', 7, now(), 12, 'v1')")
        try await fixture.sql("INSERT INTO \(unescaped: schema).nodes (id, role, last_seen, clock_skew_ms, version) VALUES ('n2', 'standby', now(), -3, 'v1')")
        try await fixture.sql(
            "INSERT INTO \(unescaped: schema).audit (actor, action, note) VALUES ('kjobd', 'lease.acquire', 'node n1 holds the lease at epoch 7')")
        let running = UUID()
        let queued = UUID()
        let ok = UUID()
        let failed = UUID()
        let old = UUID()
        let betaRun = UUID()
        func run(_ id: UUID, _ job: UUID, _ status: String, queuedAgo: String, extra: String = "") async throws {
            try await fixture.sql(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(schema).job_runs (id, job_id, scheduled_for, fire_key, attempt, status, queued_at, node, epoch, started_at)
                        VALUES ('\(id)', '\(job)', now() - interval '\(queuedAgo)', 'at:\(id)', 1, '\(status)', now() - interval '\(queuedAgo)',
                                \(status == "queued" ? "NULL, NULL, NULL" : "'n1', 7, now() - interval '\(queuedAgo)'"))
                        """))
        }
        try await run(running, alpha, "running", queuedAgo: "5 minutes")
        try await run(queued, alpha, "queued", queuedAgo: "2 minutes")
        try await run(ok, alpha, "succeeded", queuedAgo: "1 hour")
        try await run(failed, alpha, "failed", queuedAgo: "2 hours")
        try await run(old, alpha, "succeeded", queuedAgo: "3 days")
        try await run(betaRun, beta, "running", queuedAgo: "1 minute")
        try await fixture.sql(
            "INSERT INTO \(unescaped: schema).dispatches (id, run_id, channel, payload, status) VALUES (\(UUID()), \(ok), 'ops', '{}', 'pending')")
        try await fixture.sql(
            """
            INSERT INTO \(unescaped: schema).dispatches (id, run_id, channel, payload, status, attempts, last_error)
            VALUES (\(UUID()), \(failed), 'ops', '{}', 'dead', 9, 'HTTP 500 <b>boom</b>')
            """)
        return Scene(running: running, queued: queued, otherTenantRunning: betaRun)
    }

    @Test("the overview renders every region server-side: cluster, 24 h counts, running with cancel for operators, queue, next fires, dispatch")
    func regions() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                let scene = try await Self.scene(fixture, api)
                var operatorBrowser = try await ConsoleTester.signedIn(api, as: "operator")
                let page = try await operatorBrowser.get("/ui/")
                #expect(page.status == .ok)
                let html = page.text
                for id in ["cluster", "counts", "running", "queue", "upcoming", "dispatch"] {
                    #expect(html.contains("id=\"\(id)\""), "region \(id)")
                }
                #expect(html.contains("data-live=\"/ui/events/overview\""))
                #expect(html.contains("<b id=\"active-node\">n1</b>"))
                #expect(html.contains("<dd id=\"epoch\">7</dd>"))
                #expect(html.contains("<tr data-node=\"n2\"><td>n2</td><td><span class=\"status s-standby\">standby</span>"))
                #expect(html.contains("-3 ms"))
                #expect(html.contains("node n1 holds the lease at epoch 7"))
                // 24 h: the 3-day-old run is out; both tenants' runs count for an all-tenant token.
                #expect(html.contains("<li data-status=\"succeeded\"><span class=\"status s-succeeded\">succeeded</span> <b>1</b></li>"))
                #expect(html.contains("<li data-status=\"running\"><span class=\"status s-running\">running</span> <b>2</b></li>"))
                let runningID = scene.running.uuidString.lowercased()
                #expect(html.contains("<tr data-run-id=\"\(runningID)\">"))
                #expect(html.contains(/>5m( [0-9]+s)? \/ 1h<\/span>/), "elapsed against the job's timeout")
                #expect(html.contains("action=\"/ui/runs/\(runningID)/cancel\""))
                #expect(html.contains("id=\"cancel-\(runningID)\""))
                #expect(html.contains("<b id=\"queue-depth\">1</b>"))
                #expect(html.contains("href=\"/ui/jobs/alpha\""), "next fires list alpha")
                #expect(html.contains("<b id=\"dispatch-pending\">1</b>"))
                #expect(html.contains("<b id=\"dispatch-dead\">1</b>"))
                #expect(html.contains("HTTP 500 &lt;b&gt;boom&lt;/b&gt;") && !html.contains("<b>boom</b>"))

                var viewer = try await ConsoleTester.signedIn(api, as: "viewer")
                let viewed = try await viewer.get("/ui/").text
                #expect(viewed.contains("<tr data-run-id=\"\(runningID)\">"))
                #expect(!viewed.contains("/cancel\""), "a viewer gets no cancel buttons")

                var tenantViewer = try await ConsoleTester.signedIn(api, as: "a-viewer")
                let scoped = try await tenantViewer.get("/ui/").text
                #expect(!scoped.contains(runningID), "another tenant's run")
                #expect(scoped.contains(scene.otherTenantRunning.uuidString.lowercased()))
                #expect(scoped.contains("<b id=\"queue-depth\">0</b>"))
                #expect(scoped.contains("<b id=\"active-node\">n1</b>"), "the cluster is the same for every tenant")
            }
        }
    }

    @Test("cancel from the console: an operator's cancels the run (audited in its name), a viewer's is 403, another tenant's run is 404")
    func cancel() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            let schema = fixture.db.names.schema
            try await fixture.test { api in
                let scene = try await Self.scene(fixture, api)
                let queued = scene.queued.uuidString.lowercased()
                var viewer = try await ConsoleTester.signedIn(api, as: "viewer")
                _ = try await viewer.get("/ui/runs/\(queued)")
                #expect(try await viewer.post("/ui/runs/\(queued)/cancel").status == .forbidden)
                var tenant = try await ConsoleTester.signedIn(api, as: "a-admin")
                _ = try await tenant.get("/ui/")
                #expect(try await tenant.post("/ui/runs/\(queued)/cancel").status == .notFound)
                #expect(
                    try await fixture.client.scalar("SELECT status FROM \(unescaped: schema).job_runs WHERE id = \(scene.queued)", as: String.self) == "queued")

                var op = try await ConsoleTester.signedIn(api, as: "operator")
                let page = try await op.get("/ui/runs/\(queued)")
                #expect(page.text.contains("id=\"cancel\""))
                let done = try await op.post("/ui/runs/\(queued)/cancel")
                #expect(done.status == .seeOther)
                #expect(done.headers[.location] == "/ui/runs/\(queued)")
                #expect(
                    try await fixture.client.scalar("SELECT status FROM \(unescaped: schema).job_runs WHERE id = \(scene.queued)", as: String.self)
                        == "cancelled")
                let audited = try await fixture.client.scalar(
                    """
                    SELECT actor FROM \(unescaped: schema).audit WHERE action = 'run.cancel' AND run = \(scene.queued)
                    """, as: String.self)
                #expect(audited == "operator")
                let after = try await op.get("/ui/runs/\(queued)")
                #expect(after.text.contains("<span id=\"run-status\"><span class=\"status s-cancelled\">cancelled</span></span>"))
                #expect(!after.text.contains("id=\"cancel\""), "no cancel once the run ended")

                // From the overview, back to the overview; a running run gets a request.
                let running = scene.running.uuidString.lowercased()
                _ = try await op.get("/ui/")
                let requested = try await op.post("/ui/runs/\(running)/cancel", [("next", "/ui/")])
                #expect(requested.headers[.location] == "/ui/")
                #expect(try await op.get("/ui/").text.contains("cancelling"))
            }
        }
    }

    @Test("the overview stream: the first events carry every region; a takeover in the leader row shows in a later event")
    func stream() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            let schema = fixture.db.names.schema
            let session = try await fixture.app().test(.router) { client in
                let api = APITester(client: client, fixture: fixture)
                _ = try await Self.scene(fixture, api)
                return try #require(try await ConsoleTester.signedIn(api, as: "viewer").cookie)
            }
            try await fixture.serve { base in
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    var request = HTTPClientRequest(url: "\(base)/ui/events/overview")
                    request.headers.add(name: "Cookie", value: session)
                    let response = try await http.execute(request, timeout: .seconds(120))
                    #expect(response.status == .ok)
                    #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true)
                    var reader = ConsoleEventReader(response)
                    var regions: [String: String] = [:]
                    _ = try await reader.until(timeout: .seconds(30)) { event in
                        if let id = event.replace { regions[id] = event.html }
                        return regions.count == 6
                    }
                    #expect(Set(regions.keys) == ["cluster", "counts", "running", "queue", "upcoming", "dispatch"])
                    #expect(regions["cluster"]?.contains("<b id=\"active-node\">n1</b>") == true)

                    try await fixture.sql("UPDATE \(unescaped: schema).leader SET epoch = 8, holder = 'n2', since = now(), heartbeat_at = now() WHERE id = 1")
                    let events = try await reader.until(timeout: .seconds(30)) { event in
                        event.replace == "cluster" && event.html.contains("<b id=\"active-node\">n2</b>")
                    }
                    #expect(events.last?.html.contains("<dd id=\"epoch\">8</dd>") == true)
                } catch {
                    try? await http.shutdown()
                    throw error
                }
                try await http.shutdown()
            }
        }
    }
}
