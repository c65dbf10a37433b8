import ArgumentParser
import Foundation
import KJobClient

/// `kjob runs SLUG`: a job's runs, newest first.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List a job's runs, newest fire first.",
        discussion: """
            Examples:
              kjob runs weekly-stack-audit
              kjob runs probe --status failed,timed_out --limit 100 --json
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "Job slug.") var slug: String
    @Option(help: "How many runs (1-1000).") var limit: Int = 20
    @Option(help: "Only these statuses, comma-separated.") var status: String?

    func validate() throws {
        try checkSlug(slug)
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be in 1...1000") }
    }

    func run() async throws {
        var query = [("limit", "\(limit)")]
        if let status { query.append(("status", status)) }
        try await client.withClient { api in
            let response = try await api.send(.GET, "/v1/jobs/\(slug)/runs", query: query)
            if client.json {
                Output.json(Output.field(response.json, "runs") ?? [Any]())
                return
            }
            let runs = try response.decode(RunList.self).runs
            if runs.isEmpty {
                Output.write("no runs\n")
                return
            }
            let now = Date()
            var table = TextTable(["ID", "SCHEDULED", "TRIGGER", "ATTEMPT", "STATUS", "DURATION", "EXIT", "NODE", "EPOCH", "DELIVERY"])
            for run in runs {
                let duration =
                    run.startedAt.map { start in
                        RelativeTime.milliseconds(Int64(((run.finishedAt ?? now).timeIntervalSince(start) * 1000).rounded()))
                    } ?? "-"
                let exit = run.exitCode.map(String.init) ?? run.signal.map { "sig \($0)" } ?? "-"
                table.add([
                    run.id, RelativeTime.describe(run.scheduledFor, now: now), run.triggerText, "\(run.attempt)",
                    run.status + (run.reason.map { " (\($0))" } ?? ""), duration, exit, run.node ?? "-",
                    run.epoch.map(String.init) ?? "-", run.dispatchStatus ?? "-"
                ])
            }
            Output.write(table.rendered)
        }
    }
}
