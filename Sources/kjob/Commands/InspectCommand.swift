import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// `kjob inspect SLUG`: description, next fires (computed locally), last runs and delivery state.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a job: its schedule in words, the next 5 fires, the last runs and their delivery.",
        discussion: """
            Examples:
              kjob inspect weekly-stack-audit
              kjob inspect weekly-stack-audit --json
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "Job slug.") var slug: String
    @Option(help: "How many recent runs to show.") var runs: Int = 5

    func validate() throws {
        try checkSlug(slug)
        guard (1...1000).contains(runs) else { throw ValidationError("--runs must be in 1...1000") }
    }

    func run() async throws {
        try await client.withClient { api in
            let jobResponse = try await api.send(.GET, "/v1/jobs/\(slug)")
            let runsResponse = try await api.send(.GET, "/v1/jobs/\(slug)/runs", query: [("limit", "\(runs)")])
            let job = try jobResponse.decode(JobView.self)
            let zone = TimeZone(identifier: job.timezone) ?? TimeZone(identifier: "UTC")!
            let now = Date()
            let schedule = try? Schedule(parsing: job.schedule)
            var fires: [Date] = []
            var after = now
            while let schedule, fires.count < 5, let next = schedule.nextFire(after: after, in: zone) {
                fires.append(next)
                after = next
            }
            if client.json {
                Output.json(
                    [
                        "job": jobResponse.json ?? [String: Any](),
                        "next_fires": fires.map { RFC3339.format($0, in: zone) },
                        "runs": Output.field(runsResponse.json, "runs") ?? [Any]()
                    ] as [String: Any])
                return
            }
            let recent = try runsResponse.decode(RunList.self).runs
            var out = "job:         \(job.slug)  (tenant \(job.tenant))\n"
            out += "enabled:     \(job.enabled ? "yes" : "no")\n"
            if let version = job.version { out += "version:     \(version)  (kjob update --if-version)\n" }
            if !job.enabled, let by = job.pausedBy {
                out += "             paused by \(by) \(RelativeTime.describe(job.pausedAt, now: now))\(job.pauseNote.map { ": \($0)" } ?? "")\n"
            }
            if let owner = job.owner {
                out += "owner:       \(owner)\n"
                if let since = job.unauthorizedAt {
                    out +=
                        "             no longer covers the job (\(RelativeTime.describe(since, now: now))): fires are skipped (unauthorized) until it is re-applied with a valid token\n"
                }
            }
            out += "created:     \(RelativeTime.describe(job.createdAt, now: now))\(job.createdBy.map { " by \($0)" } ?? "")\n"
            out += "updated:     \(RelativeTime.describe(job.updatedAt, now: now))\(job.updatedBy.map { " by \($0)" } ?? "")\n"
            out += "schedule:    \(job.schedule)  [\(job.timezone)]\n"
            out += "             \(schedule?.humanDescription ?? job.scheduleDescription ?? "")\n"
            // A paused job's fires are recorded skipped (disabled); these are the ones a resume would run.
            out += job.enabled ? "next fires:\n" : "next fires (skipped while paused; kjob enable resumes):\n"
            out += fires.isEmpty ? "  (none)\n" : fires.map { "  \(RFC3339.format($0, in: zone))  (\(RelativeTime.describe($0, now: now)))\n" }.joined()
            out += "last runs:\n"
            if recent.isEmpty {
                out += "  (none)\n"
            } else {
                var table = TextTable(["  ID", "SCHEDULED", "TRIGGER", "ATTEMPT", "STATUS", "EXIT", "NODE", "DELIVERY"])
                for run in recent {
                    table.add([
                        "  " + run.id.prefix(8), RelativeTime.describe(run.scheduledFor, now: now), run.triggerText, "\(run.attempt)",
                        run.status + (run.reason.map { " (\($0))" } ?? ""), run.exitCode.map(String.init) ?? "-",
                        run.node ?? "-", run.dispatchStatus ?? "-"
                    ])
                }
                out += table.rendered
            }
            out += "spec:\n" + job.specTOML.split(separator: "\n", omittingEmptySubsequences: false).map { "  \($0)" }.joined(separator: "\n") + "\n"
            Output.write(out)
        }
    }
}
