import Foundation
import Hummingbird
import HummingbirdTesting
import KJobServer
import KJobTestSupport
import Testing

@Suite("Console: audit page", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct ConsoleAuditTests {
    static func actions(_ html: String) -> [String] {
        html.matches(of: /<tr data-action="([^"]+)"/).map { String($0.1) }
    }

    @Test("the audit table lists entries newest first; action, actor and job filter it; pages follow; a tenant sees its own")
    func filters() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                try await api.createJob("alpha")
                try await api.createJob("beta")
                #expect(
                    try await api.call(
                        .post, "/v1/jobs/alpha/disable", token: "operator",
                        body: #"{"note": "<b>maintenance</b>"}"#, contentType: "application/json"
                    ).status == .ok)
                try await api.createJob("gamma", token: "a-admin")

                var viewer = try await ConsoleTester.signedIn(api, as: "viewer")
                let all = try await viewer.get("/ui/audit")
                #expect(all.status == .ok)
                #expect(all.text.contains("id=\"audit-table\"") && all.text.contains("<form method=\"get\" action=\"/ui/audit\" id=\"audit-filter\""))
                let listed = Self.actions(all.text)
                #expect(listed.first == "console.login", "newest first")
                #expect(listed.filter { $0 == "job.create" }.count == 3)
                #expect(all.text.contains("&lt;b&gt;maintenance&lt;/b&gt;") && !all.text.contains("<b>maintenance</b>"))

                let disabled = try await viewer.get("/ui/audit?action=job.disable&actor=&job=")
                #expect(Self.actions(disabled.text) == ["job.disable"])
                #expect(disabled.text.contains("<option value=\"job.disable\" selected>"))
                let byActor = try await viewer.get("/ui/audit?action=&actor=operator&job=")
                #expect(Set(Self.actions(byActor.text)) == ["job.disable", "console.login"] || Set(Self.actions(byActor.text)) == ["job.disable"])
                #expect(!Self.actions(byActor.text).contains("job.create"))
                let byJob = try await viewer.get("/ui/audit?job=alpha")
                #expect(Self.actions(byJob.text) == ["job.disable", "job.create"])

                let bad = try await viewer.get("/ui/audit?job=Not%20A%20Slug&action=nope")
                #expect(bad.status == .ok)
                #expect(bad.text.contains("is not a job slug") && bad.text.contains("is not one of the listed actions"))
                #expect(Self.actions(bad.text).isEmpty)

                // 60 more entries: the first page has 50 and a link to the rest, which keeps the filter.
                for index in 0..<60 {
                    try await fixture.sql(
                        "INSERT INTO \(unescaped: fixture.db.names.schema).audit (actor, action, note) VALUES ('kjobd', 'lease.acquire', \("n\(index)"))")
                }
                let first = try await viewer.get("/ui/audit?action=lease.acquire")
                #expect(Self.actions(first.text).count == 50)
                let next = try #require(first.text.firstMatch(of: /href="(\/ui\/audit\?action=lease\.acquire&amp;after=\d+)"/))
                let href = next.1.replacingOccurrences(of: "&amp;", with: "&")
                let second = try await viewer.get(String(href))
                #expect(Self.actions(second.text).count == 10)
                #expect(!second.text.contains("id=\"audit-older\""))

                var tenant = try await ConsoleTester.signedIn(api, as: "a-viewer")
                let scoped = Self.actions(try await tenant.get("/ui/audit?action=job.create").text)
                #expect(scoped == ["job.create"], "only tenant a's job")
            }
        }
    }
}
