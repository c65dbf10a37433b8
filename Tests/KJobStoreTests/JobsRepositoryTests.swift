import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("Jobs repository", .enabled(if: TestDatabase.available))
struct JobsRepositoryTests {
    /// Enable and disable change the column and the stored spec (TOML and `spec_json`) together.
    @Test func setEnabledKeepsTheStoredSpecInStep() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            _ = try await db.createJob(client, slug: "toggle")
            let jobs = JobsRepository(client: client, names: db.names, logger: db.logger)
            let s = db.names.schema
            for enabled in [false, true] {
                #expect(try await jobs.setEnabled(tenant: "default", slug: "toggle", enabled: enabled, actor: "op")?.enabled == enabled)
                let toml = try #require(try await client.scalar("SELECT spec FROM \(unescaped: s).jobs WHERE slug = 'toggle'", as: String.self))
                #expect(try JobSpec(toml: toml).enabled == enabled)
                #expect(
                    try await client.scalar(
                        "SELECT (spec_json->>'enabled')::boolean FROM \(unescaped: s).jobs WHERE slug = 'toggle'",
                        as: Bool.self) == enabled)
            }
        }
    }
}
