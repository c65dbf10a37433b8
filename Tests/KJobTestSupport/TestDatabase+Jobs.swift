import Foundation
import KJobCore
import KJobStore
import PostgresNIO

extension TestDatabase {
    /// Creates a job as the API does (`JobsRepository.write`: its TOML, `spec_json`, columns and
    /// dispatch targets in step) and returns its id. `spec` overrides the defaults by JSON job key
    /// (agent `sh`, whose prompt is a shell script; a 60 s timeout; `overlap = allow`); `targets`
    /// are (channel, on) outputs (no events: always); `nextFireAt` then moves the next fire (a past
    /// one is due at once).
    public func createJob(
        _ client: PostgresClient, slug: String, script: String = "true", spec: [String: Any] = [:],
        schedule: String = "@every 1h", nextFireAt: Date? = nil, targets: [(String, [String])] = []
    ) async throws -> UUID {
        var fields: [String: Any] = ["slug": slug, "agent": "sh", "prompt": script, "schedule": schedule, "timeout": "60s", "overlap": "allow"]
        if !targets.isEmpty {
            fields["output"] = targets.map { channel, on -> [String: Any] in on.isEmpty ? ["channel": channel] : ["channel": channel, "on": on] }
        }
        fields.merge(spec) { $1 }
        let job = try JobSpec(json: try JSONSerialization.data(withJSONObject: fields))
        let jobs = JobsRepository(client: client, names: names, logger: logger)
        let id: UUID
        switch try await jobs.write(tenant: "default", spec: job, mode: .create, now: Date(), actor: "test") {
        case .created(let record): id = record.id
        case let other: throw TestDatabaseError.jobNotCreated(slug: slug, result: "\(other)")
        }
        // No owner, as a job from before owner tokens: no test token has to keep covering it.
        try await client.query(
            """
            UPDATE \(unescaped: names.schema).jobs SET owner = NULL, next_fire_at = COALESCE(\(nextFireAt), next_fire_at) WHERE id = \(id)
            """)
        return id
    }
}
