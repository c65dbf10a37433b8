import Foundation
import Hummingbird
import HummingbirdTesting
import KJobCore
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

@testable import KJobServer

/// The console's job pages: the list, the create/edit form with its preview, the job page and
/// its actions, through the router with a signed-in browser.
@Suite("Console: job pages", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct ConsoleJobsTests {
    static let formType = "application/x-www-form-urlencoded"

    /// The `data-slug`s of a list page, in order.
    static func slugs(_ html: String) -> [String] {
        html.matches(of: /<tr data-slug="([^"]+)"/).map { String($0.1) }
    }

    /// The `href` of the element with `id`, unescaped (`&amp;` → `&`).
    static func link(_ id: String, in html: String) -> String? {
        guard let match = html.firstMatch(of: try! Regex("href=\"([^\"]+)\" id=\"\(id)\"")) else { return nil }
        return (match.output[1].substring.map(String.init) ?? "").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func jobs(_ fixture: APIFixture) -> JobsRepository {
        JobsRepository(client: fixture.client, names: fixture.db.names, logger: fixture.db.logger)
    }

    /// `count` runs of the job, one an hour back from now; the newest has `newest` as status.
    static func insertRuns(_ fixture: APIFixture, slug: String, count: Int, newest: String, older: String = "succeeded") async throws {
        let s = fixture.db.names.schema
        try await fixture.sql(
            """
            INSERT INTO \(unescaped: s).job_runs (id, job_id, scheduled_for, fire_key, attempt, status, queued_at, started_at, finished_at)
            SELECT gen_random_uuid(), j.id, now() - n * interval '1 hour', 'k' || n, 1, CASE WHEN n = 1 THEN \(newest) ELSE \(older) END,
                   now() - n * interval '1 hour', now() - n * interval '1 hour' + interval '2 seconds', now() - n * interval '1 hour' + interval '9 seconds'
              FROM \(unescaped: s).jobs j, generate_series(1, \(count)) AS n WHERE j.slug = \(slug)
            """)
    }

    @Test("the list pages through every job in slug order, searches by slug and filters enabled, paused and failing; strips hold the last 20 runs")
    func listPagingSearchFilter() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.insertJobs(tenant: "default", count: 120)
            try await Self.insertRuns(fixture, slug: "job-0001", count: 25, newest: "failed")
            try await Self.insertRuns(fixture, slug: "job-0002", count: 3, newest: "skipped", older: "timed_out")
            try await Self.insertRuns(fixture, slug: "job-0003", count: 3, newest: "succeeded", older: "failed")
            try await fixture.test { api in
                var browser = try await ConsoleTester.signedIn(api, as: "viewer")
                var seen: [String] = []
                var uri: String? = "/ui/jobs"
                var pages = 0
                while let next = uri, pages < 10 {
                    let page = try await browser.get(next)
                    #expect(page.status == .ok, "\(page.text)")
                    #expect(page.text.contains("id=\"jobs-table\"") && page.text.contains("id=\"jobs-search\""))
                    let slugs = Self.slugs(page.text)
                    #expect(slugs.count <= JobsPage.pageSize)
                    seen += slugs
                    uri = Self.link("next-page", in: page.text)
                    pages += 1
                }
                #expect(pages == 3)
                #expect(seen == (1...120).map { String(format: "job-%04d", $0) })

                let first = try await browser.get("/ui/jobs?tenant=default")
                let row = try #require(first.text.firstMatch(of: /<tr data-slug="job-0001">.*?<\/tr>/.dotMatchesNewlines()).map { String($0.output) })
                #expect(row.matches(of: /<i class="s-/).count == JobsPage.stripRuns, "25 runs, the last 20 shown")
                #expect(row.contains("<i class=\"s-failed\" title=\"failed · schedule · scheduled "))
                #expect(row.contains("At 09:00, only on Monday"), "the schedule in words")

                let search = try await browser.get("/ui/jobs?q=00" + "7")
                #expect(
                    Self.slugs(search.text) == [
                        "job-0007", "job-0070", "job-0071", "job-0072", "job-0073", "job-0074",
                        "job-0075", "job-0076", "job-0077", "job-0078", "job-0079"
                    ])
                let paused = try await browser.get("/ui/jobs?state=paused")
                #expect(Self.slugs(paused.text) == (1...120).filter { $0 % 7 == 0 }.map { String(format: "job-%04d", $0) })
                let enabled = try await browser.get("/ui/jobs?state=enabled&q=job-000")
                #expect(Self.slugs(enabled.text) == ["job-0001", "job-0002", "job-0003", "job-0004", "job-0005", "job-0006", "job-0008", "job-0009"])
                let failing = try await browser.get("/ui/jobs?state=failing")
                #expect(Self.slugs(failing.text) == ["job-0001", "job-0002"], "a skipped run after a timeout is still failing; a success is not")
                #expect(try await browser.get("/ui/jobs?state=broken").status == .badRequest)
                let none = try await browser.get("/ui/jobs?q=nothing-like-this")
                #expect(none.text.contains("id=\"jobs-empty\""))
            }
        }
    }

    @Test("a tenant token lists and opens only its tenant's jobs; an all-tenant token lists every tenant and opens one by ?tenant=")
    func tenants() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                try await api.createJob("mine", token: "a-admin")
                try await api.createJob("theirs", token: "b-admin")
                var a = try await ConsoleTester.signedIn(api, as: "a-viewer")
                #expect(Self.slugs(try await a.get("/ui/jobs?tenant=b").text) == ["mine"])
                #expect(try await a.get("/ui/jobs/theirs?tenant=b").status == .notFound)
                var all = try await ConsoleTester.signedIn(api, as: "viewer")
                let list = try await all.get("/ui/jobs")
                #expect(Self.slugs(list.text) == ["mine", "theirs"])
                #expect(list.text.contains("href=\"/ui/jobs/theirs?tenant=b\""))
                #expect(try await all.get("/ui/jobs/theirs?tenant=b").status == .ok)
                #expect(try await all.get("/ui/jobs/theirs").status == .notFound, "without ?tenant= the default tenant")
            }
        }
    }

    @Test("controls follow the role: a viewer sees none and a forged POST is refused; operator runs and pauses; admin edits and deletes")
    func rolesAndActions() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                try await api.createJob("probe")
                var viewer = try await ConsoleTester.signedIn(api, as: "viewer")
                let seen = try await viewer.get("/ui/jobs/probe")
                #expect(seen.status == .ok)
                for id in ["run-now", "pause", "resume", "delete", "edit"] { #expect(!seen.text.contains("id=\"\(id)\""), "viewer: \(id)") }
                for id in ["job-spec", "job-owner", "upcoming", "runs-table", "chart", "export"] { #expect(seen.text.contains("id=\"\(id)\""), "\(id)") }
                #expect(!(try await viewer.get("/ui/jobs").text.contains("id=\"new-job\"")))
                for action in ["run", "pause", "resume", "delete"] {
                    let forged = try await viewer.post("/ui/jobs/probe/\(action)", [("note", "x")])
                    #expect(forged.status == .forbidden, "\(action)")
                    #expect(forged.text.contains("id=\"error\""))
                }
                #expect(try await viewer.get("/ui/jobs/new").status == .forbidden)
                #expect(try await viewer.get("/ui/jobs/probe/edit").status == .forbidden)
                let job = try #require(try await Self.jobs(fixture).get(tenant: "default", slug: "probe"))
                #expect(job.enabled && job.version == 1)
                #expect(try await fixture.client.scalar("SELECT count(*)::int FROM \(unescaped: fixture.db.names.schema).job_runs", as: Int.self) == 0)

                var operatorBrowser = try await ConsoleTester.signedIn(api, as: "operator")
                let operatorPage = try await operatorBrowser.get("/ui/jobs/probe")
                for id in ["run-now", "pause"] { #expect(operatorPage.text.contains("id=\"\(id)\""), "operator: \(id)") }
                for id in ["delete", "edit"] { #expect(!operatorPage.text.contains("id=\"\(id)\""), "operator: \(id)") }
                let run = try await operatorBrowser.post("/ui/jobs/probe/run")
                #expect(run.status == .seeOther)
                let location = try #require(run.headers[.location])
                #expect(location.hasPrefix("/ui/runs/"))
                let runID = try #require(UUID(uuidString: String(location.dropFirst("/ui/runs/".count))))
                let runs = RunsRepository(client: fixture.client, names: fixture.db.names, logger: fixture.db.logger)
                let stored = try #require(try await runs.get(id: runID, tenant: nil))
                #expect(stored.trigger == "manual" && stored.triggeredBy == "operator" && stored.status == "queued")
                let history = try await operatorBrowser.get("/ui/jobs/probe")
                #expect(history.text.contains("<tr data-run-id=\"\(runID.uuidString.lowercased())\">"))
                #expect(try await operatorBrowser.post("/ui/jobs/probe/delete").status == .forbidden)

                let export = try await viewer.get("/ui/jobs/probe/export")
                #expect(export.status == .ok)
                #expect(export.headers[.contentDisposition] == "attachment; filename=\"probe.toml\"")
                #expect(export.text.hasPrefix("[job]\nslug = \"probe\""))

                var admin = try await ConsoleTester.signedIn(api, as: "admin")
                let adminPage = try await admin.get("/ui/jobs/probe")
                for id in ["run-now", "pause", "delete", "edit", "export"] { #expect(adminPage.text.contains("id=\"\(id)\""), "admin: \(id)") }
                #expect(adminPage.text.contains("data-confirm="))
                let deleted = try await admin.post("/ui/jobs/probe/delete")
                #expect(deleted.status == .seeOther && deleted.headers[.location] == "/ui/jobs")
                #expect(try await Self.jobs(fixture).get(tenant: "default", slug: "probe") == nil)
                #expect(try await admin.get("/ui/jobs/probe").status == .notFound)
                let actions = try await fixture.client.query(
                    "SELECT action || ':' || actor FROM \(unescaped: fixture.db.names.schema).audit WHERE job = 'probe' ORDER BY id",
                    logger: fixture.db.logger)
                var audited: [String] = []
                for try await entry in actions.decode(String.self) { audited.append(entry) }
                #expect(audited == ["job.create:admin", "job.run:operator", "job.delete:admin"])
            }
        }
    }

    @Test("pausing with a note shows it on the job page (upcoming fires marked skipped); resume clears it")
    func pauseNote() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                try await api.createJob("probe")
                var browser = try await ConsoleTester.signedIn(api, as: "operator")
                _ = try await browser.get("/ui/jobs/probe")
                let paused = try await browser.post("/ui/jobs/probe/pause", [("note", "waiting for the vendor fix")])
                #expect(paused.status == .seeOther && paused.headers[.location] == "/ui/jobs/probe")
                let page = try await browser.get("/ui/jobs/probe")
                let note = try #require(
                    page.text.firstMatch(of: /<div class="notice" id="pause-note">.*?<\/div>/.dotMatchesNewlines()).map { String($0.output) })
                #expect(note.contains("waiting for the vendor fix") && note.contains("<b>operator</b>"))
                #expect(page.text.contains("skipped while paused"))
                #expect(page.text.contains("id=\"resume\"") && !page.text.contains("id=\"pause\""))
                let job = try #require(try await Self.jobs(fixture).get(tenant: "default", slug: "probe"))
                #expect(!job.enabled && job.pauseNote == "waiting for the vendor fix" && job.pausedBy == "operator")
                let tooLong = try await browser.post("/ui/jobs/probe/pause", [("note", String(repeating: "x", count: 2000))])
                #expect(tooLong.status == .badRequest && tooLong.text.contains("1 KiB"))
                #expect(try await browser.post("/ui/jobs/probe/resume").status == .seeOther)
                let resumed = try await browser.get("/ui/jobs/probe")
                #expect(!resumed.text.contains("id=\"pause-note\"") && resumed.text.contains("id=\"pause\""))
            }
        }
    }

    static func fields(
        slug: String, schedule: String, timezone: String = "Europe/Lisbon", env: String = "REGION=eu\nTIER=gold",
        extra: [(String, String)] = []
    ) -> [(String, String)] {
        [
            ("slug", slug), ("schedule", schedule), ("timezone", timezone), ("agent", "kode"), ("prompt", "summarise the alerts"),
            ("enabled", "true"), ("timeout", "30m"), ("overlap", "queue"), ("misfire_policy", "all"), ("misfire_window", "2h"),
            ("env", env), ("mode", "form")
        ] + extra
    }

    @Test("a bad schedule or zone is shown beside its field, with aria-invalid and aria-describedby, and nothing is stored")
    func fieldErrors() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                var admin = try await ConsoleTester.signedIn(api, as: "admin")
                let form = try await admin.get("/ui/jobs/new")
                #expect(form.status == .ok)
                for name in JobForm.fields { #expect(form.text.contains("name=\"\(name)\""), "field \(name)") }
                #expect(form.text.contains("id=\"job-form\"") && form.text.contains("data-preset=\"*/5 * * * *\"") && form.text.contains("id=\"preview\""))
                let bad = try await admin.post("/ui/jobs/new", Self.fields(slug: "bad-one", schedule: "61 * * * *", timezone: "Mars/Olympus"))
                #expect(bad.status == .unprocessableContent)
                for field in ["schedule", "timezone"] {
                    let input = try Regex(
                        "name=\"\(field)\"[^>]*aria-invalid=\"true\" aria-describedby=\"error-\(field)\">\\s*<p class=\"field-error\" id=\"error-\(field)\"")
                    #expect(bad.text.contains(input), "\(field): the error follows its input")
                }
                #expect(bad.text.contains("id=\"error-schedule\" role=\"alert\">minute: value 61 is out of range"), "\(bad.text)")
                #expect(!bad.text.contains("id=\"error-slug\""))
                #expect(bad.text.contains("value=\"61 * * * *\""), "what was typed is kept")
                #expect(try await Self.jobs(fixture).get(tenant: "default", slug: "bad-one") == nil)
                let env = try await admin.post("/ui/jobs/new", Self.fields(slug: "bad-env", schedule: "@daily", env: "KJOB_X=1\nnot a pair"))
                #expect(env.text.contains("id=\"error-env\""), "\(env.text)")
                #expect(env.text.contains("line 2: write KEY=VALUE"))
                let agent = try await admin.post(
                    "/ui/jobs/new", Self.fields(slug: "bad-agent", schedule: "@daily").map { $0.0 == "agent" ? ("agent", "nope") : $0 })
                #expect(agent.text.contains("id=\"error-agent\""), "the node's agents are checked as for the API")
                #expect(try await fixture.client.scalar("SELECT count(*)::int FROM \(unescaped: fixture.db.names.schema).jobs", as: Int.self) == 0)
            }
        }
    }

    @Test("create through the form, then edit it (fields and TOML), version-checked; a stale form is refused with the reason")
    func createEditRoundTrip() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                var admin = try await ConsoleTester.signedIn(api, as: "admin")
                _ = try await admin.get("/ui/jobs/new")
                let created = try await admin.post("/ui/jobs/new", Self.fields(slug: "nightly", schedule: "0 2 * * *"))
                #expect(created.status == .seeOther, "\(created.text)")
                #expect(created.headers[.location] == "/ui/jobs/nightly")
                let stored = try #require(try await Self.jobs(fixture).get(tenant: "default", slug: "nightly"))
                let spec = try #require(stored.spec)
                #expect(spec.schedule.text == "0 2 * * *" && spec.timezone == "Europe/Lisbon" && spec.timeout == .seconds(1800))
                #expect(spec.overlap == .queue && spec.misfire.mode == .all && spec.misfire.window == .seconds(7200))
                #expect(spec.env == ["REGION": "eu", "TIER": "gold"] && stored.owner == "admin")
                let again = try await admin.post("/ui/jobs/new", Self.fields(slug: "nightly", schedule: "0 2 * * *"))
                #expect(again.status == .conflict && again.text.contains("id=\"error-slug\""))

                let edit = try await admin.get("/ui/jobs/nightly/edit")
                #expect(edit.text.contains("name=\"version\" value=\"1\"") && edit.text.contains("value=\"0 2 * * *\""))
                #expect(edit.text.contains("REGION=eu\nTIER=gold"))
                var changed = Self.fields(slug: "nightly", schedule: "30 3 * * MON-FRI", env: "REGION=us", extra: [("version", "1")])
                changed.removeAll { $0.0 == "enabled" }
                let updated = try await admin.post("/ui/jobs/nightly/edit", changed)
                #expect(updated.status == .seeOther, "\(updated.text)")
                #expect(updated.headers[.location] == "/ui/jobs/nightly")
                let after = try #require(try await Self.jobs(fixture).get(tenant: "default", slug: "nightly"))
                #expect(after.version == 2 && !after.enabled && after.pausedBy == "admin")
                #expect(after.spec?.schedule.text == "30 3 * * MON-FRI" && after.spec?.env == ["REGION": "us"], "a removed env line is removed")

                let stale = try await admin.post("/ui/jobs/nightly/edit", Self.fields(slug: "nightly", schedule: "@hourly", extra: [("version", "1")]))
                #expect(stale.status == .conflict)
                #expect(stale.text.contains("id=\"form-notice\"") && stale.text.contains("now at version 2"))
                #expect(stale.text.contains("value=\"@hourly\""), "the typed change is kept on the page")
                #expect(try await Self.jobs(fixture).get(tenant: "default", slug: "nightly")?.spec?.schedule.text == "30 3 * * MON-FRI")

                let renamed = try await admin.post("/ui/jobs/nightly/edit", Self.fields(slug: "other", schedule: "@daily", extra: [("version", "2")]))
                #expect(renamed.status == .unprocessableContent && renamed.text.contains("id=\"error-slug\""))

                var toml = try #require(after.spec).toml().replacingOccurrences(of: "timeout = \"30m\"", with: "timeout = \"45m\"")
                toml += "retries = { max = 2 }\n"
                let viaTOML = try await admin.post("/ui/jobs/nightly/edit", [("toml", toml), ("mode", "toml"), ("version", "2")])
                #expect(viaTOML.status == .seeOther, "\(viaTOML.text)")
                let final = try #require(try await Self.jobs(fixture).get(tenant: "default", slug: "nightly"))
                #expect(final.version == 3 && final.spec?.timeout == .seconds(2700) && final.spec?.retries.maxRetries == 2)
                let badTOML = try await admin.post("/ui/jobs/nightly/edit", [("toml", "[job\nslug = 1"), ("mode", "toml"), ("version", "3")])
                #expect(badTOML.status == .unprocessableContent && badTOML.text.contains("id=\"error-toml\""))

                let audited = try await fixture.client.scalar(
                    "SELECT count(*)::int FROM \(unescaped: fixture.db.names.schema).audit WHERE job = 'nightly' AND actor = 'admin' AND action = 'job.update'",
                    as: Int.self)
                #expect(audited == 2)
            }
        }
    }

    @Test("the preview's fires are SchedulePreview's (kjob cron's) lines, each with the viewer's instant; errors render in the fragment")
    func preview() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                var viewer = try await ConsoleTester.signedIn(api, as: "viewer")
                let expected = try SchedulePreview(expression: "0 9 * * MON", timezone: "Europe/Lisbon", after: nil, count: 10, now: Date())
                let page = try await viewer.get("/ui/preview?schedule=0%209%20*%20*%20MON&timezone=Europe/Lisbon&viewer_tz=America/New_York")
                #expect(page.status == .ok)
                let items = page.text.matches(of: /<li data-viewer="([^"]+)"[^>]*>([^<]+)<\/li>/)
                #expect(items.map { String($0.2) } == expected.fires)
                for item in items {
                    let fire = try RFC3339.parse(String(item.2)).date
                    let shown = try RFC3339.parse(String(item.1))
                    #expect(shown.date == fire)
                    #expect(String(item.1) == RFC3339.format(fire, in: TimeZone(identifier: "America/New_York")!))
                }
                #expect(page.text.contains("<p id=\"preview-description\">\(expected.description)</p>"))
                let bad = try await viewer.get("/ui/preview?schedule=0%2025%20*%20*%20*&timezone=UTC&viewer_tz=UTC")
                #expect(bad.text.contains("id=\"preview-error\"") && bad.text.contains("hour: value 25 is out of range"))
                let zone = try await viewer.get("/ui/preview?schedule=@daily&timezone=Nowhere/Atlantis&viewer_tz=UTC")
                #expect(zone.text.contains("data-field=\"timezone\"") && zone.text.contains("unknown time zone"))
            }
        }
    }

    @Test("a DST change is noted on the fire where the offset changes, the fire's text unchanged")
    func previewDST() throws {
        let now = try RFC3339.parse("2026-10-20T00:00:00Z").date
        let html = JobFormPage.previewFragment(schedule: "0 9 * * *", timezone: "Europe/Lisbon", viewerZone: "Europe/Lisbon", now: now).text
        let notes = html.matches(of: /<li data-viewer="[^"]+" class="dst-note" data-note="([^"]+)">([^<]+)<\/li>/)
        #expect(notes.count == 1)
        #expect(notes.first.map { String($0.2) } == "2026-10-25T09:00:00Z")
        #expect(notes.first.map { String($0.1) }?.contains("+01:00 to +00:00") == true)
        let lines = html.matches(of: /<li [^>]*>([^<]+)<\/li>/).map { String($0.1) }
        #expect(lines == (try SchedulePreview(expression: "0 9 * * *", timezone: "Europe/Lisbon", after: nil, count: 10, now: now).fires))
    }

    @Test("every job text on the pages is escaped: a prompt, env value or pause note with markup renders as text")
    func escaping() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                let hostile = "<script>alert(1)</script>"
                let toml =
                    JobTOML.make(slug: "xss").replacingOccurrences(of: "prompt = \"/k-housekeep\"", with: "prompt = \"\(hostile)\"")
                    + "env = { NOTE = \"\\\"><img src=x onerror=alert(2)>\" }\n"
                let created = try await api.call(.post, "/v1/jobs", token: "admin", body: toml, contentType: "application/toml")
                #expect(created.status == .created, "\(created.text)")
                _ = try await api.call(
                    .post, "/v1/jobs/xss/disable", token: "operator", body: #"{"note": "<b>bold</b> & \"quoted\""}"#,
                    contentType: "application/json")
                var admin = try await ConsoleTester.signedIn(api, as: "admin")
                for uri in ["/ui/jobs/xss", "/ui/jobs/xss/edit", "/ui/jobs"] {
                    let page = try await admin.get(uri)
                    #expect(page.status == .ok, "\(uri)")
                    #expect(!page.text.contains("<script>alert") && !page.text.contains("<img src=x") && !page.text.contains("<b>bold</b>"), "\(uri)")
                }
                let job = try await admin.get("/ui/jobs/xss")
                #expect(job.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                #expect(job.text.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"))
                let edit = try await admin.get("/ui/jobs/xss/edit")
                #expect(edit.text.contains("NOTE=&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
                let preview = try await admin.get("/ui/preview?schedule=%3Cscript%3E&timezone=UTC&viewer_tz=UTC")
                #expect(!preview.text.contains("<script>") && preview.text.contains("&lt;script&gt;"))
            }
        }
    }
}
