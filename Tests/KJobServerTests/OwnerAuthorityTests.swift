import Foundation
import Hummingbird
import KJobCore
import KJobServer
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

/// Fire-time authorization through the real API and a running materializer: a job fires under its
/// owner's authority, re-checked at every fire.
@Suite("Fire-time authorization of a job's owner", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct OwnerAuthorityTests {
    @Test("revoke the owner while the job fires @every 1s: the next fires are skipped unauthorized, audited once; re-applied with another token it fires again")
    func revokedOwnerStopsFiring() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let schema = fixture.db.names.schema
                let client = fixture.client
                try await fixture.sql("UPDATE \(unescaped: schema).leader SET epoch = 1")
                let alice = try await api.issueToken("alice")
                let carol = try await api.issueToken("carol")
                // Nothing NOTIFYs this materializer of job edits: a short sleep bound stands in.
                var configuration = Materializer.Configuration()
                configuration.maxSleep = .milliseconds(200)
                let materializer = Materializer(
                    client: client, names: fixture.db.names, nodeID: "test", configuration: configuration,
                    now: { Date() }, logger: fixture.db.logger)
                func count(_ condition: String) async throws -> Int64 {
                    try await client.scalar(
                        PostgresQuery(
                            unsafeSQL: """
                                SELECT count(*) FROM \(schema).job_runs r JOIN \(schema).jobs j ON j.id = r.job_id
                                 WHERE j.slug = 'ticker' AND NOT r.manual AND \(condition)
                                """), as: Int64.self) ?? -1
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await materializer.run(epoch: 1, wake: Observed<UInt64>(0)) }
                    defer { group.cancelAll() }
                    let created = try await api.call(
                        .post, "/v1/jobs", token: alice, body: JobTOML.make(slug: "ticker", schedule: "@every 1s"),
                        contentType: "application/toml")
                    #expect(created.status == .created)
                    let fired = try await poll(timeout: .seconds(30)) { try await count("r.status = 'queued'") >= 2 }
                    try #require(fired != nil, "the job never fired under alice")

                    #expect(try await api.call(.delete, "/v1/tokens/alice", token: "admin").status == .ok)
                    let skipped = try await poll(timeout: .seconds(30)) { try await count("r.reason = 'unauthorized'") >= 3 }
                    try #require(skipped != nil, "fires after the revoke were not skipped unauthorized")
                    // From the first unauthorized fire on, nothing was queued.
                    #expect(
                        try await count(
                            """
                            r.status <> 'skipped' AND r.scheduled_for >= (SELECT min(x.scheduled_for) FROM \(schema).job_runs x
                                                                            WHERE x.job_id = j.id AND x.reason = 'unauthorized')
                            """) == 0)
                    #expect(try await count("r.status = 'skipped' AND r.reason = 'unauthorized'") >= 3)

                    let lapses = try await api.audit("?job=ticker&action=job.unauthorized", token: "viewer")
                    #expect(lapses.count == 1, "one audit entry per lapse, not per fire")
                    #expect(lapses.first?["actor"] as? String == AuditAction.daemonActor)
                    #expect((lapses.first?["note"] as? String)?.contains("owner token \"alice\" was revoked") == true)
                    let blocked = try await api.call(.get, "/v1/jobs/ticker", token: "viewer")
                    #expect(blocked.json["owner"] as? String == "alice" && blocked.json["unauthorized_at"] is String)

                    let reapplied = Date()
                    let replaced = try await api.call(
                        .put, "/v1/jobs/ticker", token: carol, body: JobTOML.make(slug: "ticker", schedule: "@every 1s"),
                        contentType: "application/toml")
                    #expect(replaced.status == .ok)
                    #expect(replaced.json["owner"] as? String == "carol" && replaced.json["unauthorized_at"] is NSNull)
                    let resumed = try await poll(timeout: .seconds(30)) {
                        try await count("r.status = 'queued' AND r.scheduled_for > '\(RFC3339.formatUTCMilliseconds(reapplied))'") >= 2
                    }
                    #expect(resumed != nil, "the job did not fire again after carol re-applied it")
                    #expect(try await api.audit("?job=ticker&action=job.unauthorized", token: "viewer").count == 1)
                }
            }
        }
    }
}
