import Foundation
import Hummingbird
import HummingbirdTesting
import KJobServer
import KJobTestSupport
import Testing

@Suite("HTTP API: jobs", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct JobsAPITests {
    @Test("create (TOML), get, list, then 409 on a second create")
    func createGetList() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let created = try await api.createJob("weekly-audit")
                #expect(created.headers[.location] == "/v1/jobs/weekly-audit")
                #expect(created.json["slug"] as? String == "weekly-audit")
                #expect(created.json["tenant"] as? String == "default")
                #expect(created.json["next_fire_at"] is String)
                #expect((created.json["spec"] as? [String: Any])?["agent"] as? String == "kode")

                let one = try await api.call(.get, "/v1/jobs/weekly-audit", token: "viewer")
                #expect(one.status == .ok)
                #expect(one.json["schedule"] as? String == "0 9 * * MON")
                #expect(one.json["timezone"] as? String == "Europe/Lisbon")
                #expect((one.json["schedule_description"] as? String)?.isEmpty == false)
                #expect((one.json["spec_toml"] as? String)?.contains("[job]") == true)

                let list = try await api.call(.get, "/v1/jobs", token: "viewer")
                #expect(list.status == .ok)
                let jobs = list.json["jobs"] as? [[String: Any]]
                #expect(jobs?.map { $0["slug"] as? String } == ["weekly-audit"])

                let again = try await api.call(.post, "/v1/jobs", token: "admin", body: JobTOML.make(slug: "weekly-audit"), contentType: "application/toml")
                api.expectProblem(again, .conflict)
            }
        }
    }

    @Test("create from JSON; PUT applies (201 then 200) and reschedules only when the schedule changes")
    func jsonAndApply() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let json = #"{"slug":"probe","prompt":"true","agent":"shell","schedule":"@every 5m","retries":{"max":2},"output":[{"channel":"ops"}]}"#
                let created = try await api.call(.post, "/v1/jobs", token: "admin", body: json, contentType: "application/json")
                #expect(created.status == .created, "\(created.text)")
                #expect(((created.json["spec"] as? [String: Any])?["retries"] as? [String: Any])?["max"] as? Int == 2)

                let put1 = try await api.call(
                    .put, "/v1/jobs/nightly", token: "admin", body: JobTOML.make(slug: "nightly", schedule: "0 2 * * *"), contentType: "application/toml")
                #expect(put1.status == .created, "\(put1.text)")
                let next1 = put1.json["next_fire_at"] as? String

                // Same schedule, other prompt: updated, pending fire kept.
                let body2 = JobTOML.make(slug: "nightly", schedule: "0 2 * * *").replacingOccurrences(of: "/k-housekeep", with: "/other")
                let put2 = try await api.call(.put, "/v1/jobs/nightly", token: "admin", body: body2, contentType: "application/toml")
                #expect(put2.status == .ok)
                #expect(put2.json["next_fire_at"] as? String == next1)
                #expect((put2.json["spec"] as? [String: Any])?["prompt"] as? String == "/other")

                // New schedule: next fire recomputed.
                let put3 = try await api.call(
                    .put, "/v1/jobs/nightly", token: "admin", body: JobTOML.make(slug: "nightly", schedule: "30 3 * * *"), contentType: "application/toml")
                #expect(put3.status == .ok)
                #expect(put3.json["next_fire_at"] as? String != next1)
                #expect(put3.json["schedule"] as? String == "30 3 * * *")

                // Body slug must match the path.
                let mismatch = try await api.call(.put, "/v1/jobs/nightly", token: "admin", body: JobTOML.make(slug: "other"), contentType: "application/toml")
                api.expectProblem(mismatch, .unprocessableContent)
                #expect(mismatch.errorFields == ["job.slug"])
            }
        }
    }

    @Test("enable, disable, delete; 404 afterwards")
    func enableDisableDelete() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("toggle")
                let disabled = try await api.call(.post, "/v1/jobs/toggle/disable", token: "operator")
                #expect(disabled.status == .ok)
                #expect(disabled.json["enabled"] as? Bool == false)
                #expect((disabled.json["spec"] as? [String: Any])?["enabled"] as? Bool == false)
                let enabled = try await api.call(.post, "/v1/jobs/toggle/enable", token: "operator")
                #expect(enabled.json["enabled"] as? Bool == true)

                let deleted = try await api.call(.delete, "/v1/jobs/toggle", token: "admin")
                #expect(deleted.status == .noContent)
                api.expectProblem(try await api.call(.get, "/v1/jobs/toggle", token: "viewer"), .notFound)
                api.expectProblem(try await api.call(.delete, "/v1/jobs/toggle", token: "admin"), .notFound)
                api.expectProblem(try await api.call(.post, "/v1/jobs/toggle/enable", token: "admin"), .notFound)
                api.expectProblem(try await api.call(.post, "/v1/jobs/toggle/run", token: "admin"), .notFound)
                api.expectProblem(try await api.call(.get, "/v1/jobs/toggle/runs", token: "admin"), .notFound)
            }
        }
    }

    @Test("invalid specs: 422 with every field error, 400 for syntax, 415, 413; nothing stored")
    func invalidSpecs() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let bad = """
                    [job]
                    slug = "Bad Slug"
                    prompt = ""
                    agent = "kode"
                    schedule = "61 * * * *"
                    timezone = "Mars/Olympus"
                    """
                let invalid = try await api.call(.post, "/v1/jobs", token: "admin", body: bad, contentType: "application/toml")
                api.expectProblem(invalid, .unprocessableContent)
                for field in ["job.slug", "job.prompt", "job.schedule", "job.timezone"] {
                    #expect(invalid.errorFields.contains(field), "\(field) in \(invalid.errorFields)")
                }

                let unknownAgent = try await api.call(
                    .post, "/v1/jobs", token: "admin", body: JobTOML.make(slug: "x", agent: "nope"), contentType: "application/toml")
                api.expectProblem(unknownAgent, .unprocessableContent)
                #expect(unknownAgent.errorFields == ["job.agent"])

                let jsonInvalid = try await api.call(
                    .post, "/v1/jobs", token: "admin", body: #"{"slug":"ok","prompt":"p","agent":"kode","schedule":"* * *","bogus":1}"#,
                    contentType: "application/json")
                api.expectProblem(jsonInvalid, .unprocessableContent)
                #expect(jsonInvalid.errorFields.contains("schedule"))
                #expect(jsonInvalid.errorFields.contains("bogus"))

                api.expectProblem(try await api.call(.post, "/v1/jobs", token: "admin", body: "[job\nslug=", contentType: "application/toml"), .badRequest)
                api.expectProblem(try await api.call(.post, "/v1/jobs", token: "admin", body: "{not json", contentType: "application/json"), .badRequest)
                api.expectProblem(try await api.call(.post, "/v1/jobs", token: "admin", body: "", contentType: "application/toml"), .unprocessableContent)
                api.expectProblem(try await api.call(.post, "/v1/jobs", token: "admin", body: "x", contentType: "text/html"), .unsupportedMediaType)
                api.expectProblem(
                    try await api.callBytes(.post, "/v1/jobs", token: "admin", body: [0xFF, 0xFE, 0x00, 0x41], contentType: "application/toml"), .badRequest)

                let huge = JobTOML.make(slug: "huge") + "description = \"" + String(repeating: "a", count: 300 * 1024) + "\"\n"
                api.expectProblem(try await api.call(.post, "/v1/jobs", token: "admin", body: huge, contentType: "application/toml"), .contentTooLarge)

                let list = try await api.call(.get, "/v1/jobs", token: "admin")
                #expect((list.json["jobs"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test("bad slugs and parameters in paths and queries are 400s, unknown routes 404, all problem+json")
    func badPaths() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("ok")
                api.expectProblem(try await api.call(.get, "/v1/jobs/UPPER", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/jobs/\(String(repeating: "a", count: 64))", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/jobs/-lead", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/jobs/a%00b", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/jobs/ok/runs?limit=0", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/jobs/ok/runs?limit=abc", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/jobs/ok/runs?limit=99999999999999999999", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/jobs/ok/runs?status=done", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/jobs/ok/runs?before=yesterday", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/jobs?tenant=Bad!", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/runs/not-a-uuid", token: "viewer"), .badRequest)
                api.expectProblem(try await api.call(.get, "/v1/runs/\(UUID())", token: "viewer"), .notFound)
                api.expectProblem(try await api.call(.get, "/v1/nothing", token: "viewer"), .notFound)
                api.expectProblem(try await api.call(.get, "/nothing", token: nil), .notFound)
                let ok = try await api.call(
                    .get, "/v1/jobs/ok/runs?limit=5&status=queued,failed&before=2030-01-01T00:00:00Z&since=2020-01-01T00:00:00Z", token: "viewer")
                #expect(ok.status == .ok, "\(ok.text)")
            }
        }
    }
}
