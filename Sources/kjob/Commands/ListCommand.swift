import ArgumentParser
import Foundation
import KJobClient

/// `kjob list`: the jobs with their next fire and last run.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List jobs.",
        discussion: """
            Examples:
              kjob list
              kjob list --json | jq '.[].slug'
            """)

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.GET, "/v1/jobs")
            if client.json {
                Output.json(Output.field(response.json, "jobs") ?? [Any]())
                return
            }
            let jobs = try response.decode(JobList.self).jobs
            if jobs.isEmpty { Output.write("no jobs\n"); return }
            let now = Date()
            let tenants = Set(jobs.map(\.tenant)).count > 1
            var table = TextTable((tenants ? ["TENANT"] : []) + ["SLUG", "ENABLED", "SCHEDULE", "NEXT", "LAST RUN"])
            for job in jobs {
                let last = job.lastRun.map { "\($0.status) \(RelativeTime.describe($0.finishedAt ?? $0.startedAt ?? $0.scheduledFor, now: now))" } ?? "-"
                table.add((tenants ? [job.tenant] : []) + [job.slug, job.enabled ? "yes" : "no", job.schedule,
                          job.enabled ? RelativeTime.describe(job.nextFireAt, now: now) : "(disabled)", last])
            }
            Output.write(table.rendered)
        }
    }
}
