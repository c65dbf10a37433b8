import Foundation
import Hummingbird
import KJobTestSupport
import Testing

@Suite("HTTP API: job listing pages", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct JobListPagingTests {
    /// Follows `next` from `uri` until the last page; every page at most `limit` jobs.
    static func walk(
        _ api: APITester, _ uri: String, token: String, limit: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (jobs: [[String: Any]], cursors: [String]) {
        var jobs: [[String: Any]] = []
        var cursors: [String] = []
        var after: String?
        for _ in 0..<1000 {
            let separator = uri.contains("?") ? "&" : "?"
            let page = try await api.call(.get, uri + "\(separator)limit=\(limit)" + (after.map { "&after=\($0)" } ?? ""), token: token)
            #expect(page.status == .ok, "\(page.text)", sourceLocation: sourceLocation)
            let items = try #require(page.json["jobs"] as? [[String: Any]], sourceLocation: sourceLocation)
            #expect(items.count <= limit, sourceLocation: sourceLocation)
            jobs += items
            guard let next = page.json["next"] as? String else {
                #expect(page.json.keys.contains("next"), "the last page says next: null", sourceLocation: sourceLocation)
                return (jobs, cursors)
            }
            #expect(items.count == limit, "only a full page has a next page", sourceLocation: sourceLocation)
            cursors.append(next)
            after = next
        }
        Issue.record("no last page after 1000 pages", sourceLocation: sourceLocation)
        return (jobs, cursors)
    }

    static func slugs(_ jobs: [[String: Any]]) -> [String] { jobs.compactMap { $0["slug"] as? String } }

    @Test("pages follow the cursor in slug order, within the token's tenant; all-tenant cursors are TENANT/SLUG")
    func pagesAndTenants() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let aSlugs = (0..<7).map { "job-\($0)" }
                for slug in aSlugs.reversed() { try await api.createJob(slug, token: "a-admin") }
                for slug in ["job-1", "other"] { try await api.createJob(slug, token: "b-admin") }
                try await api.createJob("mine", token: "admin")

                // Tenant a, 3 a page: 3 + 3 + 1, bare-slug cursors, only a's jobs, even when ?tenant=b is asked for.
                for uri in ["/v1/jobs", "/v1/jobs?tenant=b"] {
                    let (jobs, cursors) = try await Self.walk(api, uri, token: "a-viewer", limit: 3)
                    #expect(Self.slugs(jobs) == aSlugs)
                    #expect(jobs.allSatisfy { $0["tenant"] as? String == "a" })
                    #expect(cursors == ["job-2", "job-5"])
                }
                // The cursor of the tenant itself is accepted; another tenant's is refused, not served.
                let same = try await api.call(.get, "/v1/jobs?limit=2&after=a/job-4", token: "a-viewer")
                #expect(Self.slugs(same.json["jobs"] as? [[String: Any]] ?? []) == ["job-5", "job-6"])
                let foreign = try await api.call(.get, "/v1/jobs?after=b/job-0", token: "a-viewer")
                api.expectProblem(foreign, .badRequest)
                #expect(foreign.errorFields == ["after"])

                // Every tenant: (tenant, slug) order across page boundaries, TENANT/SLUG cursors.
                let (all, allCursors) = try await Self.walk(api, "/v1/jobs", token: "admin", limit: 4)
                let pairs = all.map { "\($0["tenant"] as? String ?? "?")/\($0["slug"] as? String ?? "?")" }
                #expect(pairs == aSlugs.map { "a/\($0)" } + ["b/job-1", "b/other", "default/mine"])
                #expect(allCursors == ["a/job-3", "b/job-1"])
                let bare = try await api.call(.get, "/v1/jobs?after=job-3", token: "admin")
                api.expectProblem(bare, .badRequest)
                #expect(bare.errorFields == ["after"])

                // An unscoped token naming one tenant pages it with bare slugs.
                let (b, bCursors) = try await Self.walk(api, "/v1/jobs?tenant=b", token: "viewer", limit: 1)
                #expect(Self.slugs(b) == ["job-1", "other"])
                #expect(bCursors == ["job-1"])
            }
        }
    }

    @Test("a page starts after its cursor even when that job was deleted and others were added before it")
    func stableUnderChanges() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                for slug in ["b", "d", "f", "h"] { try await api.createJob(slug, token: "a-admin") }
                let first = try await api.call(.get, "/v1/jobs?limit=2", token: "a-viewer")
                #expect(Self.slugs(first.json["jobs"] as? [[String: Any]] ?? []) == ["b", "d"])
                let cursor = try #require(first.json["next"] as? String)
                #expect(try await api.call(.delete, "/v1/jobs/d", token: "a-admin").status == .noContent)
                try await api.createJob("a", token: "a-admin")
                try await api.createJob("c", token: "a-admin")
                try await api.createJob("e", token: "a-admin")
                let second = try await api.call(.get, "/v1/jobs?limit=2&after=\(cursor)", token: "a-viewer")
                #expect(Self.slugs(second.json["jobs"] as? [[String: Any]] ?? []) == ["e", "f"])
                #expect(second.json["next"] as? String == "f")
            }
        }
    }

    @Test("default page is 500, the maximum 1000; a summary has the last run and no spec")
    func defaultsAndShape() async throws {
        try await APIFixture.with { fixture in
            try await fixture.insertJobs(tenant: "bulk", count: 1001)
            try await fixture.test { api in
                let first = try await api.call(.get, "/v1/jobs?tenant=bulk", token: "viewer")
                let jobs = try #require(first.json["jobs"] as? [[String: Any]])
                #expect(jobs.count == 500)
                #expect(first.json["next"] as? String == "job-0500")
                let big = try await api.call(.get, "/v1/jobs?tenant=bulk&limit=1000", token: "viewer")
                #expect((big.json["jobs"] as? [Any])?.count == 1000)
                let last = try await api.call(.get, "/v1/jobs?tenant=bulk&limit=1000&after=job-1000", token: "viewer")
                #expect(Self.slugs(last.json["jobs"] as? [[String: Any]] ?? []) == ["job-1001"])
                #expect(last.json["next"] is NSNull)

                try await api.createJob("probe", token: "admin", schedule: "@every 5m")
                let run = try await api.call(.post, "/v1/jobs/probe/run", token: "operator")
                let runID = try #require(run.json["id"] as? String)
                let listed = try await api.call(.get, "/v1/jobs?tenant=default", token: "viewer")
                let probe = try #require((listed.json["jobs"] as? [[String: Any]])?.first)
                let lastRun = try #require(probe["last_run"] as? [String: Any])
                #expect(lastRun["id"] as? String == runID)
                #expect(lastRun["status"] as? String == "queued")
                #expect(lastRun["scheduled_for"] is String && lastRun["finished_at"] is NSNull)
                #expect(probe["spec"] == nil && probe["spec_toml"] == nil)
                #expect((probe["schedule_description"] as? String)?.hasPrefix("Every 5m") == true)
                let one = try await api.call(.get, "/v1/jobs/probe", token: "viewer")
                for key in [
                    "id", "tenant", "slug", "enabled", "schedule", "timezone", "schedule_description",
                    "next_fire_at", "last_fire_at", "created_at", "updated_at"
                ] {
                    #expect("\(probe[key] ?? "absent")" == "\(one.json[key] ?? "absent")", "\(key) differs between list and get")
                }
                let never = try #require((big.json["jobs"] as? [[String: Any]])?.first)
                #expect(never["last_run"] is NSNull)
            }
        }
    }

    @Test("a bad limit or after is a 400 naming the field; nothing is listed")
    func badInput() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("kept", token: "a-admin")
                for query in ["limit=0", "limit=1001", "limit=-1", "limit=abc", "limit=", "limit=99999999999999999999"] {
                    let result = try await api.call(.get, "/v1/jobs?\(query)", token: "a-viewer")
                    api.expectProblem(result, .badRequest)
                    #expect(result.errorFields == ["limit"], "\(query)")
                    #expect(result.text.contains("1...1000"), "\(query): the detail names the range")
                }
                for after in ["", "UPPER", "a/b/c", "/x", "x/", "a%2F", "-lead", String(repeating: "x", count: 64), "%C3%A9t%C3%A9"] {
                    let result = try await api.call(.get, "/v1/jobs?after=\(after)", token: "a-viewer")
                    api.expectProblem(result, .badRequest)
                    #expect(result.errorFields == ["after"], "after=\(after)")
                }
                let still = try await api.call(.get, "/v1/jobs", token: "a-viewer")
                #expect(Self.slugs(still.json["jobs"] as? [[String: Any]] ?? []) == ["kept"])
            }
        }
    }
}
