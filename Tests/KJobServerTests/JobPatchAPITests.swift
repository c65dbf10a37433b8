import Foundation
import Hummingbird
import HummingbirdTesting
import KJobCore
import KJobServer
import KJobTestSupport
import PostgresNIO
import Testing

/// `PATCH /v1/jobs/{slug}` (RFC 7396 merge patch) and the job version behind ETag / If-Match.
@Suite("HTTP API: job versions and PATCH", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct JobPatchAPITests {
    static let patchType = "application/merge-patch+json"

    @Test("every change adds one to the version, which GET shows and sends as the ETag")
    func versions() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let created = try await api.createJob("nightly")
                #expect(created.json["version"] as? Int == 1)
                #expect(created.headers[.eTag] == "\"1\"")
                var version = 1
                func expectNext(_ result: APITester.Result, _ what: String) {
                    version += 1
                    #expect(result.json["version"] as? Int == version, "\(what): \(result.text)")
                    #expect(result.headers[.eTag] == "\"\(version)\"", "\(what)")
                }
                expectNext(try await api.call(.post, "/v1/jobs/nightly/disable", token: "operator"), "disable")
                expectNext(try await api.call(.post, "/v1/jobs/nightly/enable", token: "operator"), "enable")
                expectNext(
                    try await api.call(
                        .put, "/v1/jobs/nightly", token: "admin", body: JobTOML.make(slug: "nightly"),
                        contentType: "application/toml"), "apply")
                expectNext(
                    try await api.call(
                        .patch, "/v1/jobs/nightly", token: "admin", body: #"{"timeout": "5m"}"#,
                        contentType: Self.patchType), "patch")
                let got = try await api.call(.get, "/v1/jobs/nightly", token: "viewer")
                #expect(got.json["version"] as? Int == version)
                #expect(got.headers[.eTag] == "\"\(version)\"")
                // The scheduler advancing the pending fire is not a change to the job.
                try await fixture.sql(
                    "UPDATE \(unescaped: fixture.db.names.schema).jobs SET next_fire_at = next_fire_at + interval '1 day', last_fire_at = now()")
                #expect(try await api.call(.get, "/v1/jobs/nightly", token: "viewer").json["version"] as? Int == version)
                #expect(try await api.call(.delete, "/v1/jobs/nightly", token: "admin").status == .noContent)
                let deleted = try await fixture.client.scalar(
                    "SELECT version FROM \(unescaped: fixture.db.names.schema).jobs WHERE slug = 'nightly'", as: Int64.self)
                #expect(deleted == Int64(version + 1))
            }
        }
    }

    @Test("a patch merges onto the spec in force: values replace, null restores the default, the rest stays")
    func mergeSemantics() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("nightly", schedule: "0 2 * * *")
                _ = try await api.call(.post, "/v1/jobs/nightly/disable", token: "operator")
                let before = try await api.call(.get, "/v1/jobs/nightly", token: "viewer")

                let timeout = try await api.call(
                    .patch, "/v1/jobs/nightly", token: "admin", body: #"{"timeout": "45m", "retries": {"max": 2}}"#,
                    contentType: Self.patchType)
                #expect(timeout.status == .ok, "\(timeout.text)")
                let spec = try #require(timeout.json["spec"] as? [String: Any])
                #expect(spec["timeout"] as? String == "45m")
                #expect((spec["retries"] as? [String: Any])?["max"] as? Int == 2)
                #expect(spec["timezone"] as? String == "Europe/Lisbon")
                #expect(timeout.json["enabled"] as? Bool == false, "a patch keeps the job disabled: it merges onto the spec in force")
                #expect(timeout.json["next_fire_at"] as? String == before.json["next_fire_at"] as? String, "same schedule: pending fire kept")
                #expect((timeout.json["spec_toml"] as? String)?.contains("timeout = \"45m\"") == true)

                let tokyo = try await api.call(
                    .patch, "/v1/jobs/nightly", token: "admin", body: #"{"timezone": "Asia/Tokyo"}"#,
                    contentType: Self.patchType)
                #expect(tokyo.json["timezone"] as? String == "Asia/Tokyo")
                #expect(tokyo.json["next_fire_at"] as? String != before.json["next_fire_at"] as? String, "new zone: next fire recomputed")

                let removed = try await api.call(
                    .patch, "/v1/jobs/nightly", token: "admin", body: #"{"timezone": null, "timeout": null}"#,
                    contentType: Self.patchType)
                #expect(removed.status == .ok, "\(removed.text)")
                #expect(removed.json["timezone"] as? String == "UTC", "null: back to the default zone")
                #expect((removed.json["spec"] as? [String: Any])?["timeout"] as? String == "1h")
                #expect(removed.json["next_fire_at"] as? String != tokyo.json["next_fire_at"] as? String)

                let enabled = try await api.call(.patch, "/v1/jobs/nightly", token: "admin", body: #"{"enabled": true}"#, contentType: Self.patchType)
                #expect(enabled.json["enabled"] as? Bool == true)
            }
        }
    }

    @Test("If-Match: a stale version answers 412 and changes nothing; the current one, * and a list apply; a weak tag never matches")
    func ifMatch() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("nightly")
                let first = try await api.call(
                    .patch, "/v1/jobs/nightly", token: "admin", body: #"{"prompt": "one"}"#,
                    contentType: Self.patchType, headers: [.ifMatch: "\"1\""])
                #expect(first.status == .ok, "\(first.text)")
                #expect(first.json["version"] as? Int == 2)
                let before = try await api.call(.get, "/v1/jobs/nightly", token: "viewer")

                let stale = try await api.call(
                    .patch, "/v1/jobs/nightly", token: "admin", body: #"{"prompt": "two"}"#,
                    contentType: Self.patchType, headers: [.ifMatch: "\"1\""])
                api.expectProblem(stale, .preconditionFailed)
                #expect(stale.headers[.eTag] == "\"2\"")
                #expect((stale.json["detail"] as? String)?.contains("at version 2") == true)
                let after = try await api.call(.get, "/v1/jobs/nightly", token: "viewer")
                #expect(after.json["spec_toml"] as? String == before.json["spec_toml"] as? String)
                #expect(after.json["updated_at"] as? String == before.json["updated_at"] as? String)
                #expect(after.json["version"] as? Int == 2)

                api.expectProblem(
                    try await api.call(
                        .patch, "/v1/jobs/nightly", token: "admin", body: #"{"prompt": "two"}"#,
                        contentType: Self.patchType, headers: [.ifMatch: "W/\"2\""]), .preconditionFailed)
                let bare = try await api.call(
                    .patch, "/v1/jobs/nightly", token: "admin", body: #"{"prompt": "two"}"#,
                    contentType: Self.patchType, headers: [.ifMatch: "2"])
                api.expectProblem(bare, .badRequest)
                #expect(bare.errorFields == ["If-Match"])
                let listed = try await api.call(
                    .patch, "/v1/jobs/nightly", token: "admin", body: #"{"prompt": "two"}"#,
                    contentType: Self.patchType, headers: [.ifMatch: "\"7\", \"2\""])
                #expect(listed.status == .ok && listed.json["version"] as? Int == 3, "\(listed.text)")
                let any = try await api.call(
                    .patch, "/v1/jobs/nightly", token: "admin", body: #"{"prompt": "three"}"#,
                    contentType: Self.patchType, headers: [.ifMatch: "*"])
                #expect(any.status == .ok && any.json["version"] as? Int == 4, "\(any.text)")
            }
        }
    }

    /// The version is compared under the row lock of the write: a change committed while the PATCH
    /// waits for the lock is seen. With If-Match the PATCH then fails (412); without, it is merged
    /// again onto the new version, so neither change is lost.
    @Test("a change that commits while the PATCH waits for the row: 412 with If-Match, merged onto it without")
    func concurrentChange() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let schema = fixture.db.names.schema
                for (index, ifMatch) in [(0, "\"1\""), (1, nil)] as [(Int, String?)] {
                    let slug = "raced-\(index)"
                    try await api.createJob(slug)
                    let holder = try await fixture.db.connect()
                    try await holder.query("BEGIN", logger: fixture.db.logger)
                    try await holder.query("SELECT 1 FROM \(unescaped: schema).jobs WHERE slug = \(slug) FOR UPDATE", logger: fixture.db.logger)
                    let headers: HTTPFields = ifMatch.map { [.ifMatch: $0] } ?? [:]
                    async let patched = api.call(
                        .patch, "/v1/jobs/\(slug)", token: "admin", body: #"{"timeout": "5m"}"#,
                        contentType: Self.patchType, headers: headers)
                    // Wait until the PATCH's write blocks on the row lock.
                    let waiting = try await poll(timeout: .seconds(30)) {
                        try await fixture.client.scalar(
                            """
                            SELECT count(*) FROM pg_stat_activity
                             WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%' AND query LIKE \("%" + schema + ".jobs%")
                            """, as: Int64.self) ?? 0 > 0
                    }
                    #expect(waiting != nil, "the PATCH never waited for the row lock")
                    let concurrent = try JobSpec(toml: JobTOML.make(slug: slug)).applying(mergePatch: Array(#"{"prompt": "concurrent"}"#.utf8))
                    try await holder.query(
                        """
                        UPDATE \(unescaped: schema).jobs SET spec = \(concurrent.toml()), updated_at = clock_timestamp() WHERE slug = \(slug)
                        """, logger: fixture.db.logger)
                    try await holder.query("COMMIT", logger: fixture.db.logger)
                    try await holder.close()
                    let result = try await patched
                    let now = try await api.call(.get, "/v1/jobs/\(slug)", token: "viewer")
                    let spec = now.json["spec"] as? [String: Any]
                    #expect(spec?["prompt"] as? String == "concurrent")
                    if ifMatch != nil {
                        api.expectProblem(result, .preconditionFailed)
                        #expect(spec?["timeout"] as? String == "1h", "the 412'd patch changed the job")
                        #expect(now.json["version"] as? Int == 2)
                    } else {
                        #expect(result.status == .ok, "\(result.text)")
                        #expect(spec?["timeout"] as? String == "5m")
                        #expect(now.json["version"] as? Int == 3)
                    }
                }
            }
        }
    }

    @Test("bad patches: the field is named, the status fits, nothing changes")
    func badPatches() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("nightly")
                let before = try await api.call(.get, "/v1/jobs/nightly", token: "viewer")
                func patch(_ body: String, token: String? = "admin", type: String = Self.patchType, slug: String = "nightly") async throws -> APITester.Result {
                    try await api.call(.patch, "/v1/jobs/\(slug)", token: token, body: body, contentType: type)
                }
                let unknown = try await patch(#"{"timout": "5m"}"#)
                api.expectProblem(unknown, .unprocessableContent)
                #expect(unknown.errorFields == ["job.timout"])
                #expect(try await patch(#"{"bogus": null}"#).errorFields == ["job.bogus"])
                let badValue = try await patch(#"{"timeout": "soon", "schedule": "61 * * * *"}"#)
                api.expectProblem(badValue, .unprocessableContent)
                #expect(Set(badValue.errorFields) == ["job.timeout", "job.schedule"])
                #expect(try await patch(#"{"slug": "renamed"}"#).errorFields == ["job.slug"])
                #expect(try await patch(#"{"agent": "no-such-agent"}"#).errorFields == ["job.agent"])
                #expect(try await patch(#"{"prompt": null}"#).errorFields == ["job.prompt"])
                api.expectProblem(try await patch("[1]"), .badRequest)
                api.expectProblem(try await patch("{nope"), .badRequest)
                api.expectProblem(try await patch(#"{"timeout": "5m"}"#, type: "application/json"), .unsupportedMediaType)
                api.expectProblem(try await patch(#"{"timeout": "5m"}"#, type: "application/toml"), .unsupportedMediaType)
                api.expectProblem(try await patch("{\"description\": \"" + String(repeating: "a", count: 300 * 1024) + "\"}"), .contentTooLarge)
                api.expectProblem(try await patch(#"{"timeout": "5m"}"#, slug: "missing"), .notFound)
                api.expectProblem(try await patch(#"{"timeout": "5m"}"#, token: "operator"), .forbidden)
                api.expectProblem(try await patch(#"{"timeout": "5m"}"#, token: "a-admin"), .notFound)
                api.expectProblem(try await patch(#"{"timeout": "5m"}"#, token: nil), .unauthorized)
                let after = try await api.call(.get, "/v1/jobs/nightly", token: "viewer")
                #expect(after.json["version"] as? Int == 1)
                #expect(after.json["spec_toml"] as? String == before.json["spec_toml"] as? String)
            }
        }
    }
}
