import Foundation
import Hummingbird
import HummingbirdTesting
import KJobCore
import KJobServer
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

extension APITester {
    /// A new token through `POST /v1/tokens` (as `by`); returns the secret.
    func issueToken(_ name: String, role: String = "admin", tenant: String? = nil, by: String = "admin") async throws -> String {
        var body: [String: Any] = ["name": name, "role": role]
        if let tenant { body["tenant"] = tenant }
        let result = try await call(
            .post, "/v1/tokens", token: by, body: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self),
            contentType: "application/json")
        #expect(result.status == .created, "token \(name): \(result.text)")
        return try #require(result.json["token"] as? String)
    }

    /// `GET /v1/audit` entries (newest first) for `query`.
    func audit(_ query: String = "", token: String = "admin") async throws -> [[String: Any]] {
        let result = try await call(.get, "/v1/audit\(query)", token: token)
        #expect(result.status == .ok, "\(result.text)")
        return result.json["entries"] as? [[String: Any]] ?? []
    }

    func auditCount() async throws -> Int64 {
        try await fixture.client.scalar("SELECT count(*) FROM \(unescaped: fixture.db.names.schema).audit", as: Int64.self) ?? -1
    }
}

@Suite("HTTP API: audit log, ownership, pause notes, restore and purge", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct AuditAPITests {
    @Test("create (alice), update (bob), disable with a note, run-now, cancel, delete, restore: each audited with its actor, in order, with the changed fields")
    func trail() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let alice = try await api.issueToken("alice")
                let bob = try await api.issueToken("bob")
                let created = try await api.call(
                    .post, "/v1/jobs", token: alice,
                    body: JobTOML.make(slug: "nightly", extra: "env = { API_KEY = \"s3cret-one\" }"),
                    contentType: "application/toml")
                #expect(created.status == .created)
                #expect(created.json["created_by"] as? String == "alice" && created.json["owner"] as? String == "alice")

                let updated = try await api.call(
                    .put, "/v1/jobs/nightly", token: bob,
                    body: JobTOML.make(
                        slug: "nightly", schedule: "@daily",
                        extra: "timeout = \"30m\"\nenv = { API_KEY = \"s3cret-two\" }"),
                    contentType: "application/toml")
                #expect(updated.status == .ok)
                #expect(updated.json["created_by"] as? String == "alice")
                #expect(updated.json["updated_by"] as? String == "bob" && updated.json["owner"] as? String == "bob")

                let paused = try await api.call(
                    .post, "/v1/jobs/nightly/disable", token: "operator",
                    body: #"{"note": "waiting for the vendor fix"}"#, contentType: "application/json")
                #expect(paused.status == .ok)
                #expect(paused.json["paused_by"] as? String == "operator")
                #expect(paused.json["pause_note"] as? String == "waiting for the vendor fix")
                #expect(paused.json["paused_at"] is String)

                let run = try await api.call(.post, "/v1/jobs/nightly/run", token: alice)
                #expect(run.json["trigger"] as? String == "manual" && run.json["triggered_by"] as? String == "alice")
                let runID = try #require(run.json["id"] as? String)
                #expect(try await api.call(.post, "/v1/runs/\(runID)/cancel", token: bob).status == .ok)
                #expect(try await api.call(.delete, "/v1/jobs/nightly", token: alice).status == .noContent)
                let restored = try await api.call(.post, "/v1/jobs/nightly/restore", token: bob)
                #expect(restored.status == .ok, "\(restored.text)")
                #expect(restored.json["owner"] as? String == "bob" && restored.json["pause_note"] as? String == "waiting for the vendor fix")

                let entries = try await api.audit("?job=nightly")
                let trail = entries.reversed().map { "\($0["actor"] as? String ?? "?") \($0["action"] as? String ?? "?")" }
                #expect(
                    trail == [
                        "alice job.create", "bob job.update", "operator job.disable", "alice job.run", "bob run.cancel",
                        "alice job.delete", "bob job.restore"
                    ])
                #expect(entries.allSatisfy { $0["tenant"] as? String == "default" && $0["job"] as? String == "nightly" })
                let ids = entries.compactMap { $0["id"] as? Int }
                #expect(ids == ids.sorted(by: >), "newest first")

                let update = try #require(entries.first { $0["action"] as? String == "job.update" })
                let changes = update["changes"] as? [[String: Any]] ?? []
                func change(_ field: String) -> [String: Any]? { changes.first { $0["field"] as? String == field } }
                #expect(change("schedule")?["from"] as? String == "0 9 * * MON" && change("schedule")?["to"] as? String == "@daily")
                #expect(change("timeout")?["from"] as? String == "1h" && change("timeout")?["to"] as? String == "30m")
                #expect(change("owner")?["from"] as? String == "alice" && change("owner")?["to"] as? String == "bob")
                #expect(change("env.API_KEY")?["from"] as? String == FieldChange.redacted)
                #expect(change("prompt") == nil, "unchanged fields are not listed")
                let everything = try await api.call(.get, "/v1/audit", token: "admin").text
                #expect(!everything.contains("s3cret"), "an env value leaked into the audit")

                #expect(entries.first { $0["action"] as? String == "job.disable" }?["note"] as? String == "waiting for the vendor fix")
                let runEntries = entries.filter { ["job.run", "run.cancel"].contains($0["action"] as? String) }
                #expect(runEntries.count == 2 && runEntries.allSatisfy { $0["run"] as? String == runID })

                // Paging: newest first, by id, `next` until null; filters by action and time.
                let first = try await api.call(.get, "/v1/audit?job=nightly&limit=3", token: "viewer")
                #expect((first.json["entries"] as? [[String: Any]])?.count == 3)
                let next = try #require(first.json["next"] as? String)
                let rest = try await api.audit("?job=nightly&limit=10&after=\(next)", token: "viewer")
                #expect(rest.count == 4 && rest.compactMap { $0["id"] as? Int }.allSatisfy { $0 < Int(next)! })
                #expect(try await api.audit("?action=job.disable").count == 1)
                #expect(try await api.audit("?since=2999-01-01T00:00:00Z").isEmpty)
                // (The fixture's own tokens were created by "test".)
                #expect(try await api.audit("?action=token.create").compactMap { $0["actor"] as? String }.filter { $0 != "test" } == ["admin", "admin"])

                let job = try await api.call(.get, "/v1/jobs/nightly", token: "viewer")
                #expect(job.json["created_by"] as? String == "alice" && job.json["updated_by"] as? String == "bob")
                let enabled = try await api.call(.post, "/v1/jobs/nightly/enable", token: "operator")
                #expect(enabled.json["paused_by"] is NSNull && enabled.json["pause_note"] is NSNull)
            }
        }
    }

    @Test("the audit is tenant-scoped: another tenant's entries are absent; a tenant token ignores ?tenant=")
    func tenantScoped() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("a-job", token: "a-admin")
                try await api.createJob("b-job", token: "b-admin")
                #expect(try await api.call(.post, "/v1/jobs/a-job/disable", token: "a-admin").status == .ok)

                let seenByA = try await api.audit("", token: "a-viewer")
                #expect(!seenByA.isEmpty && seenByA.allSatisfy { $0["tenant"] as? String == "a" })
                #expect(try await api.audit("?job=b-job", token: "a-viewer").isEmpty)
                #expect(try await api.audit("?job=b-job&tenant=b", token: "a-viewer").isEmpty)
                #expect(try await api.audit("?job=a-job", token: "b-admin").isEmpty)
                // The cluster-wide viewer sees both, or one tenant with ?tenant=.
                #expect(Set(try await api.audit("?action=job.create", token: "viewer").compactMap { $0["job"] as? String }) == ["a-job", "b-job"])
                #expect(try await api.audit("?action=job.create&tenant=b", token: "viewer").compactMap { $0["job"] as? String } == ["b-job"])
            }
        }
    }

    @Test("bad input: a note over 1 KiB, bad bodies, bad audit queries: 400 naming the field, nothing changed")
    func badInput() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("careful")
                let before = try await api.auditCount()
                let long = String(repeating: "x", count: PauseNote.maxBytes + 1)
                for (body, field) in [
                    (#"{"note": "\#(long)"}"#, "note"), (#"{"note": 5}"#, "note"), (#"{"reason": "x"}"#, "reason"),
                    (#"{"note": "a\u0000b"}"#, "note")
                ] {
                    let result = try await api.call(.post, "/v1/jobs/careful/disable", token: "operator", body: body, contentType: "application/json")
                    api.expectProblem(result, .badRequest)
                    #expect(result.errorFields == [field], "\(result.text)")
                }
                api.expectProblem(
                    try await api.call(
                        .post, "/v1/jobs/careful/disable", token: "operator", body: "note=x",
                        contentType: "application/json"), .badRequest)
                let exact = String(repeating: "y", count: PauseNote.maxBytes)
                let job = try await api.call(.get, "/v1/jobs/careful", token: "viewer")
                #expect(job.json["enabled"] as? Bool == true && job.json["paused_by"] is NSNull)
                #expect(try await api.auditCount() == before)
                #expect(
                    try await api.call(
                        .post, "/v1/jobs/careful/disable", token: "operator", body: #"{"note": "\#(exact)"}"#,
                        contentType: "application/json"
                    ).status == .ok)

                for (query, field) in [
                    ("action=job.explode", "action"), ("since=yesterday", "since"), ("limit=0", "limit"),
                    ("limit=1001", "limit"), ("after=-4", "after"), ("after=abc", "after"), ("job=Not_A_Slug", "job"),
                    ("tenant=Bad!", "tenant")
                ] {
                    let result = try await api.call(.get, "/v1/audit?\(query)", token: "viewer")
                    api.expectProblem(result, .badRequest)
                    #expect(result.errorFields == [field], "\(query): \(result.text)")
                }
                api.expectProblem(try await api.call(.get, "/v1/audit", token: nil), .unauthorized)
            }
        }
    }

    @Test("restore: 404 without a deleted job, 409 while the slug is taken, next fire recomputed; purge erases runs (409 while one runs)")
    func restoreAndPurge() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let schema = fixture.db.names.schema
                api.expectProblem(try await api.call(.post, "/v1/jobs/phoenix/restore", token: "admin"), .notFound)
                try await api.createJob("phoenix", schedule: "@every 1h")
                let run = try await api.call(.post, "/v1/jobs/phoenix/run", token: "operator")
                let runID = try #require(run.json["id"] as? String)
                #expect(try await api.call(.delete, "/v1/jobs/phoenix", token: "admin").status == .noContent)
                try await fixture.sql("UPDATE \(unescaped: schema).jobs SET next_fire_at = '2001-01-01T00:00:00Z' WHERE slug = 'phoenix'")
                try await api.createJob("phoenix", schedule: "@every 2h")
                api.expectProblem(try await api.call(.post, "/v1/jobs/phoenix/restore", token: "admin"), .conflict)
                api.expectProblem(try await api.call(.post, "/v1/jobs/phoenix/restore", token: "operator"), .forbidden)

                // Purge the live one: the deleted generation stays, and comes back.
                #expect(try await api.call(.delete, "/v1/jobs/phoenix?purge=1", token: "admin").status == .noContent)
                let restored = try await api.call(.post, "/v1/jobs/phoenix/restore", token: "admin")
                #expect(restored.status == .ok)
                #expect(restored.json["schedule"] as? String == "@every 1h")
                let next = try #require((restored.json["next_fire_at"] as? String).flatMap(RFC3339.parseUTCMilliseconds))
                #expect(next > Date())
                #expect(try await api.call(.get, "/v1/runs/\(runID)", token: "viewer").json["status"] as? String == "cancelled")

                // A running run blocks the purge; once it ended, purge erases the job with its runs.
                try await fixture.sql("UPDATE \(unescaped: schema).job_runs SET status = 'running' WHERE id = \(UUID(uuidString: runID)!)")
                api.expectProblem(try await api.call(.delete, "/v1/jobs/phoenix?purge=1", token: "admin"), .conflict)
                try await fixture.sql("UPDATE \(unescaped: schema).job_runs SET status = 'cancelled' WHERE id = \(UUID(uuidString: runID)!)")
                api.expectProblem(try await api.call(.delete, "/v1/jobs/phoenix?purge=maybe", token: "admin"), .badRequest)
                #expect(try await api.call(.delete, "/v1/jobs/phoenix", token: "admin").status == .noContent)
                #expect(try await api.call(.delete, "/v1/jobs/phoenix?purge=1", token: "admin").status == .noContent)
                api.expectProblem(try await api.call(.get, "/v1/runs/\(runID)", token: "viewer"), .notFound)
                api.expectProblem(try await api.call(.post, "/v1/jobs/phoenix/restore", token: "admin"), .notFound)
                api.expectProblem(try await api.call(.delete, "/v1/jobs/phoenix?purge=1", token: "admin"), .notFound)
                #expect(try await fixture.client.scalar("SELECT count(*) FROM \(unescaped: schema).jobs WHERE slug = 'phoenix'", as: Int64.self) == 0)

                // The audit outlives the purge.
                let actions = try await api.audit("?job=phoenix").reversed().map { $0["action"] as? String ?? "?" }
                #expect(actions == ["job.create", "job.run", "job.delete", "job.create", "job.purge", "job.restore", "job.delete", "job.purge"])
            }
        }
    }

    @Test("tokens: list without secrets, create shown once, revoke refuses at once (404 for unknown), expiry, tenant admins confined")
    func tokens() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let ci = try await api.issueToken("ci", role: "operator")
                #expect(try await api.call(.get, "/v1/jobs", token: ci).status == .ok)
                let listed = try await api.call(.get, "/v1/tokens", token: "admin")
                #expect(listed.status == .ok)
                let tokens = listed.json["tokens"] as? [[String: Any]] ?? []
                #expect(Set(tokens.compactMap { $0["name"] as? String }).isSuperset(of: ["admin", "ci", "revoked", "a-admin"]))
                #expect(!listed.text.contains("kjob_") && !listed.text.contains("hash"), "a secret or hash leaked: \(listed.text)")
                #expect(tokens.allSatisfy { Set($0.keys) == ["name", "role", "tenant", "created_at", "last_used_at", "expires_at", "revoked_at"] })
                #expect(tokens.first { $0["name"] as? String == "ci" }?["last_used_at"] is String, "ci was just used")
                #expect(tokens.first { $0["name"] as? String == "revoked" }?["revoked_at"] is String)

                let before = try await api.auditCount()
                api.expectProblem(try await api.call(.delete, "/v1/tokens/nobody", token: "admin"), .notFound)
                api.expectProblem(try await api.call(.delete, "/v1/tokens/ci", token: "operator"), .forbidden)
                api.expectProblem(try await api.call(.delete, "/v1/tokens/admin", token: "admin"), .conflict)
                #expect(try await api.auditCount() == before)
                #expect(try await api.call(.delete, "/v1/tokens/ci", token: "admin").status == .ok)
                api.expectProblem(try await api.call(.get, "/v1/jobs", token: ci), .unauthorized)
                #expect(try await api.call(.delete, "/v1/tokens/ci", token: "admin").status == .ok)
                #expect(
                    try await api.audit("?action=token.revoke").filter { $0["note"] as? String == "token ci" }.count == 1,
                    "revoking twice is one change")

                // Expiry: refused once past.
                let brief = try await api.call(
                    .post, "/v1/tokens", token: "admin", body: #"{"name": "brief", "role": "viewer", "expires": "1h"}"#,
                    contentType: "application/json")
                #expect(brief.status == .created && brief.json["expires_at"] is String)
                let briefToken = try #require(brief.json["token"] as? String)
                #expect(try await api.call(.get, "/v1/jobs", token: briefToken).status == .ok)
                try await fixture.sql(
                    "UPDATE \(unescaped: fixture.db.names.schema).api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'brief'")
                // A lookup's answer is cached for at most http's token cache TTL (2 s): refused within it.
                var expired = try await api.call(.get, "/v1/jobs", token: briefToken)
                _ = try await poll(timeout: .seconds(10), interval: .milliseconds(100)) {
                    expired = try await api.call(.get, "/v1/jobs", token: briefToken)
                    return expired.status == .unauthorized
                }
                api.expectProblem(expired, .unauthorized)
                #expect(expired.text.contains("expired"))

                // Bad input.
                for (body, status, field) in [
                    (#"{"name": "x y", "role": "viewer"}"#, HTTPResponse.Status.badRequest, "name"),
                    (#"{"name": "x", "role": "root"}"#, .badRequest, "role"),
                    (#"{"name": "x", "role": "viewer", "expires": "forever"}"#, .badRequest, "expires"),
                    (#"{"name": "x", "role": "viewer", "colour": "red"}"#, .badRequest, "colour"),
                    (#"{"role": "viewer"}"#, .badRequest, "name"),
                    (#"{"name": "admin", "role": "viewer"}"#, .conflict, nil)
                ] as [(String, HTTPResponse.Status, String?)] {
                    let result = try await api.call(.post, "/v1/tokens", token: "admin", body: body, contentType: "application/json")
                    api.expectProblem(result, status)
                    if let field { #expect(result.errorFields == [field], "\(body): \(result.text)") }
                }

                // A tenant admin sees, creates and revokes only its tenant's tokens.
                let aTokens = try await api.call(.get, "/v1/tokens", token: "a-admin").json["tokens"] as? [[String: Any]] ?? []
                #expect(Set(aTokens.compactMap { $0["name"] as? String }) == ["a-admin", "a-viewer"])
                api.expectProblem(
                    try await api.call(
                        .post, "/v1/tokens", token: "a-admin", body: #"{"name": "sneaky", "role": "admin", "tenant": "b"}"#,
                        contentType: "application/json"), .forbidden)
                let aci = try await api.call(
                    .post, "/v1/tokens", token: "a-admin", body: #"{"name": "a-ci", "role": "operator"}"#,
                    contentType: "application/json")
                #expect(aci.json["tenant"] as? String == "a")
                api.expectProblem(try await api.call(.delete, "/v1/tokens/b-admin", token: "a-admin"), .notFound)
                api.expectProblem(try await api.call(.delete, "/v1/tokens/admin", token: "a-admin"), .notFound)
                #expect(try await api.call(.get, "/v1/jobs", token: "b-admin").status == .ok)
                #expect(try await api.call(.delete, "/v1/tokens/a-ci", token: "a-admin").status == .ok)
                let aCreated = try await api.audit("?action=token.create", token: "a-viewer")
                #expect(
                    aCreated.compactMap { $0["note"] as? String }.filter { !$0.contains("a-admin:") && !$0.contains("a-viewer:") }
                        == ["token a-ci: role operator, tenant a"])
                #expect(aCreated.first?["actor"] as? String == "a-admin")
            }
        }
    }
}
