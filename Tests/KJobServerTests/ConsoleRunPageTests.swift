import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import KJobServer
import KJobStore
import KJobTestSupport
import NIOCore
import PostgresNIO
import Testing

@Suite("Console: run page and its live log", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct ConsoleRunPageTests {
    static func chunk(_ fixture: APIFixture, _ run: UUID, _ seq: Int, _ stream: String, _ bytes: [UInt8]) async throws {
        try await fixture.sql(
            """
            INSERT INTO \(unescaped: fixture.db.names.schema).run_log_chunks (run_id, seq, stream, data)
            VALUES (\(run), \(seq), \(stream), \(ByteBuffer(bytes: bytes)))
            """)
    }

    /// A run-now of job `probe`, set running on n1 at epoch 3.
    static func runningRun(_ fixture: APIFixture, _ api: APITester) async throws -> UUID {
        try await api.createJob("probe")
        let text = try #require(try await api.call(.post, "/v1/jobs/probe/run", token: "operator").json["id"] as? String)
        let id = try #require(UUID(uuidString: text))
        try await fixture.sql(
            """
            UPDATE \(unescaped: fixture.db.names.schema).job_runs SET status = 'running', node = 'n1', epoch = 3, started_at = now() WHERE id = \(id)
            """)
        return id
    }

    @Test("the run page: timeline, status, log lines escaped and told apart by stream, the payload as sent and the deliveries")
    func page() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            let schema = fixture.db.names.schema
            try await fixture.test { api in
                let id = try await Self.runningRun(fixture, api)
                let text = id.uuidString.lowercased()
                try await Self.chunk(fixture, id, 0, "stdout", Array("<script>alert(1)</script> hel".utf8))
                try await Self.chunk(fixture, id, 1, "stderr", Array("warning: & co\n".utf8))
                try await Self.chunk(fixture, id, 2, "stdout", Array("lo\n".utf8) + [0xFF, 0x0A] + Array("partial".utf8))

                var op = try await ConsoleTester.signedIn(api, as: "operator")
                let running = try await op.get("/ui/runs/\(text)")
                #expect(running.status == .ok)
                let html = running.text
                #expect(html.contains("<span id=\"run-status\"><span class=\"status s-running\">running</span></span>"))
                #expect(html.contains("<span class=\"log-line stderr\">warning: &amp; co\n</span>"))
                #expect(html.contains("<span class=\"log-line stdout\">&lt;script&gt;alert(1)&lt;/script&gt; hello\n</span>"))
                #expect(html.contains("<span class=\"log-line stdout\">\u{FFFD}\n</span>"))
                #expect(!html.contains("<script>alert"))
                #expect(!html.contains("partial"), "an open line waits for its end while the run is running")
                #expect(html.contains("data-live=\"/ui/events/runs/\(text)?from=1.2\""))
                #expect(html.contains("id=\"cancel\""))
                #expect(html.contains("<li data-event=\"queued\">") && html.contains("<b>claimed and started</b> by node n1 at epoch 3"))
                #expect(html.contains("id=\"dispatch-payload\"") && html.contains("id=\"deliveries\""))

                var viewer = try await ConsoleTester.signedIn(api, as: "viewer")
                #expect(!(try await viewer.get("/ui/runs/\(text)").text.contains("id=\"cancel\"")))

                try await fixture.sql(
                    """
                    UPDATE \(unescaped: schema).job_runs SET status = 'failed', reason = 'exit 2', exit_code = 2, finished_at = now() WHERE id = \(id)
                    """)
                try await fixture.sql(
                    """
                    INSERT INTO \(unescaped: schema).dispatches (id, run_id, channel, payload, status, attempts, last_error, last_http_status)
                    VALUES (\(UUID()), \(id), 'ops', '{"summary": "<i>x</i>", "status": "failed"}', 'pending', 2, 'HTTP 503', 503)
                    """)
                let ended = try await viewer.get("/ui/runs/\(text)").text
                #expect(ended.contains("<span class=\"log-line stdout\">partial\n</span>"), "the run ended: its open line shows")
                #expect(!ended.contains("data-live="), "nothing to follow")
                #expect(ended.contains("<li data-event=\"finished\">") && ended.contains("<b>failed</b> (exit 2, exit code 2"))
                #expect(ended.contains("<b>dispatched</b> to ops"))
                #expect(ended.contains("&quot;summary&quot;: &quot;&lt;i&gt;x&lt;/i&gt;&quot;"), "the payload, escaped")
                #expect(ended.contains("<tr data-channel=\"ops\"><td>ops</td><td><span class=\"status s-pending\">pending</span></td><td>2</td>"))
                #expect(ended.contains("<td>503</td><td>HTTP 503</td>"))

                #expect(try await viewer.get("/ui/runs/\(UUID())").status == .notFound)
                #expect(try await viewer.get("/ui/runs/not-a-uuid").status == .badRequest)
                var other = try await ConsoleTester.signedIn(api, as: "a-viewer")
                #expect(try await other.get("/ui/runs/\(text)").status == .notFound, "another tenant's run")
            }
        }
    }

    @Test("the run stream appends lines stored after the page once each, then the final status and end; a reconnect resumes")
    func stream() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            let schema = fixture.db.names.schema
            let (session, path, run) = try await fixture.app().test(.router) { client in
                let api = APITester(client: client, fixture: fixture)
                let id = try await Self.runningRun(fixture, api)
                try await Self.chunk(fixture, id, 0, "stdout", Array("one\ntw".utf8))
                var browser = try await ConsoleTester.signedIn(api, as: "viewer")
                let page = try await browser.get("/ui/runs/\(id.uuidString.lowercased())").text
                let match = try #require(page.firstMatch(of: /data-live="([^"]+)"/))
                return (try #require(browser.cookie), String(match.1), id)
            }
            #expect(path.hasSuffix("?from=-1.0"), "\"tw\" is open: the stream reads chunk 0 again and skips \"one\"")
            try await fixture.serve { base in
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    var request = HTTPClientRequest(url: base + path)
                    request.headers.add(name: "Cookie", value: session)
                    let response = try await http.execute(request, timeout: .seconds(120))
                    #expect(response.status == .ok)
                    var reader = ConsoleEventReader(response)
                    let first = try await reader.until(timeout: .seconds(30)) { $0.replace == "run-status" }
                    #expect(first.allSatisfy { $0.append == nil }, "nothing new yet: \(first.map(\.json))")
                    try await Self.chunk(fixture, run, 1, "stderr", Array("oops\n".utf8))
                    try await Self.chunk(fixture, run, 2, "stdout", Array("o\nthree".utf8))
                    var appended = ""
                    let lines = try await reader.until(timeout: .seconds(30)) { event in
                        if event.append == "log" { appended += event.html }
                        return appended.contains("two")
                    }
                    #expect(appended == "<span class=\"log-line stderr\">oops\n</span><span class=\"log-line stdout\">two\n</span>")
                    let cursor = try #require(lines.last?.id)
                    try await fixture.sql("UPDATE \(unescaped: schema).job_runs SET status = 'succeeded', exit_code = 0, finished_at = now() WHERE id = \(run)")
                    var rest: [ConsoleEventReader.Event] = []
                    while let event = try await reader.next() { rest.append(event) }
                    #expect(rest.compactMap { $0.append == "log" ? $0.html : nil } == ["<span class=\"log-line stdout\">three\n</span>"])
                    #expect(rest.contains { $0.replace == "run-status" && $0.html.contains(">succeeded<") })
                    #expect(rest.contains { $0.replace == "timeline" && $0.html.contains("data-event=\"finished\"") })
                    #expect(rest.last?.end == true)

                    // A browser reconnecting with Last-Event-ID gets only what came after it.
                    var again = HTTPClientRequest(url: base + path)
                    again.headers.add(name: "Cookie", value: session)
                    again.headers.add(name: "Last-Event-ID", value: cursor)
                    var resumed = ConsoleEventReader(try await http.execute(again, timeout: .seconds(120)))
                    var replay: [ConsoleEventReader.Event] = []
                    while let event = try await resumed.next() { replay.append(event) }
                    #expect(replay.compactMap { $0.append == "log" ? $0.html : nil } == ["<span class=\"log-line stdout\">three\n</span>"])
                    #expect(replay.last?.end == true)
                } catch {
                    try? await http.shutdown()
                    throw error
                }
                try await http.shutdown()
            }
        }
    }
}
