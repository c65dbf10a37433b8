import Foundation
import Hummingbird
import HummingbirdTesting
import KJobCore
import KJobServer
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("HTTP API: backfill", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct BackfillAPITests {
    /// Whole hours, ending two hours ago.
    static func range(hours: Int) -> (from: String, to: String) {
        let hour = (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600
        let to = Date(timeIntervalSince1970: hour - 7200)
        return (RFC3339.formatUTCMilliseconds(to.addingTimeInterval(Double(-hours) * 3600)), RFC3339.formatUTCMilliseconds(to))
    }

    static func body(_ from: String, _ to: String, max: Int? = nil, dryRun: Bool = false) -> String {
        "{\"from\": \"\(from)\", \"to\": \"\(to)\"" + (max.map { ", \"max\": \($0)" } ?? "") + (dryRun ? ", \"dry_run\": true" : "") + "}"
    }

    func runs(_ fixture: APIFixture, _ slug: String) async throws -> Int64 {
        try await fixture.client.scalar(
            """
            SELECT count(*) FROM \(unescaped: fixture.db.names.schema).job_runs r JOIN \(unescaped: fixture.db.names.schema).jobs j ON j.id = r.job_id
             WHERE j.slug = \(slug)
            """, as: Int64.self) ?? -1
    }

    @Test("dry run lists the fires and writes nothing; the backfill creates them once; a second one creates nothing")
    func idempotent() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("hourly", schedule: "0 * * * *")
                let (from, to) = Self.range(hours: 10)
                let dry = try await api.call(
                    .post, "/v1/jobs/hourly/backfill", token: "operator", body: Self.body(from, to, dryRun: true),
                    contentType: "application/json")
                #expect(dry.status == .ok, "\(dry.text)")
                #expect(dry.json["dry_run"] as? Bool == true)
                #expect((dry.json["fires"] as? [String])?.count == 10)
                #expect((dry.json["fires"] as? [String])?.first == from, "from is included")
                #expect((dry.json["fires"] as? [String])?.contains(to) == false, "to is excluded")
                #expect(dry.json["created"] as? Int == 0 && dry.json["existing"] as? Int == 0)
                #expect(try await runs(fixture, "hourly") == 0)

                let first = try await api.call(.post, "/v1/jobs/hourly/backfill", token: "operator", body: Self.body(from, to), contentType: "application/json")
                #expect(first.status == .ok, "\(first.text)")
                #expect(first.json["created"] as? Int == 10 && first.json["existing"] as? Int == 0)
                let listed = try await api.call(.get, "/v1/jobs/hourly/runs?limit=100", token: "viewer")
                let created = (listed.json["runs"] as? [[String: Any]]) ?? []
                #expect(created.count == 10)
                #expect(created.allSatisfy { $0["backfill"] as? Bool == true && $0["manual"] as? Bool == false && $0["status"] as? String == "queued" })
                #expect(created.allSatisfy { $0["trigger"] as? String == "backfill" && $0["triggered_by"] as? String == "operator" })
                #expect(Set(created.compactMap { $0["scheduled_for"] as? String }) == Set((dry.json["fires"] as? [String]) ?? []))

                // Twice: the same runs. A wider range creates only the new fires.
                let again = try await api.call(.post, "/v1/jobs/hourly/backfill", token: "operator", body: Self.body(from, to), contentType: "application/json")
                #expect(again.json["created"] as? Int == 0 && again.json["existing"] as? Int == 10, "\(again.text)")
                #expect((again.json["fires"] as? [String])?.isEmpty == true)
                #expect(try await runs(fixture, "hourly") == 10)
                let (wideFrom, wideTo) = Self.range(hours: 12)
                let wider = try await api.call(
                    .post, "/v1/jobs/hourly/backfill", token: "operator", body: Self.body(wideFrom, wideTo, dryRun: true),
                    contentType: "application/json")
                #expect(wider.json["existing"] as? Int == 10 && (wider.json["fires"] as? [String])?.count == 2, "\(wider.text)")

                // Each backfill that wrote is audited once, under the caller; a dry run is not a change.
                let audit = try await api.call(.get, "/v1/audit?action=job.backfill", token: "viewer")
                let entries = (audit.json["entries"] as? [[String: Any]]) ?? []
                #expect(entries.count == 2, "\(audit.text)")
                #expect(entries.allSatisfy { $0["actor"] as? String == "operator" && $0["job"] as? String == "hourly" })
                #expect((entries.last?["note"] as? String)?.hasPrefix("10 run(s) created for 10 fire(s)") == true, "\(audit.text)")
            }
        }
    }

    @Test("bad requests name the field and create nothing: reversed, over the cap, future, malformed, disabled job")
    func refusals() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("hourly", schedule: "0 * * * *")
                let (from, to) = Self.range(hours: 10)
                func post(_ body: String, token: String? = "operator", slug: String = "hourly", type: String = "application/json") async throws
                    -> APITester.Result
                {
                    try await api.call(.post, "/v1/jobs/\(slug)/backfill", token: token, body: body, contentType: type)
                }
                let reversed = try await post(Self.body(to, from))
                api.expectProblem(reversed, .badRequest)
                #expect(reversed.errorFields == ["to"])
                #expect((reversed.json["detail"] as? String)?.contains("reversed") == true)
                let over = try await post(Self.body(from, to, max: 5))
                api.expectProblem(over, .unprocessableContent)
                #expect(over.errorFields == ["max"])
                #expect((over.json["detail"] as? String)?.contains("10 fires, more than max 5") == true, "\(over.text)")
                let future = try await post(Self.body(from, RFC3339.formatUTCMilliseconds(Date().addingTimeInterval(86_400))))
                api.expectProblem(future, .badRequest)
                #expect(future.errorFields == ["to"])
                #expect(try await post(Self.body("yesterday", to)).errorFields == ["from"])
                #expect(try await post(#"{"from": "2026-01-01T00:00:00Z"}"#).errorFields == ["to"])
                #expect(try await post(Self.body(from, to, max: 1001)).errorFields == ["max"])
                #expect(try await post(#"{"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z", "max": "x"}"#).errorFields == ["max"])
                #expect(try await post(#"{"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z", "dryrun": true}"#).errorFields == ["dryrun"])
                api.expectProblem(try await post("[]"), .badRequest)
                api.expectProblem(try await post(Self.body(from, to), type: "text/plain"), .unsupportedMediaType)
                api.expectProblem(try await post(Self.body(from, to), slug: "missing"), .notFound)
                api.expectProblem(try await post(Self.body(from, to), token: "viewer"), .forbidden)
                api.expectProblem(try await post(Self.body(from, to), token: "a-admin"), .notFound)

                _ = try await api.call(.post, "/v1/jobs/hourly/disable", token: "operator")
                api.expectProblem(try await post(Self.body(from, to)), .conflict)
                #expect(try await post(Self.body(from, to, dryRun: true)).status == .ok, "a dry run works on a disabled job")
                #expect(try await runs(fixture, "hourly") == 0)
            }
        }
    }
}
