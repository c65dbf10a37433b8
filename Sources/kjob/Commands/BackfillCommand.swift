import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// `kjob backfill SLUG --from T1 --to T2`: runs for past fires that have none.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Queue runs for a job's past fires in [--from, --to) that have no run yet.",
        discussion: """
            The fires come from the job's schedule in its time zone; a fire that already has a run
            (scheduled, skipped or an earlier backfill) is left alone, so running it twice creates
            nothing new. Backfill runs run one at a time, oldest first, whatever the job's overlap
            policy. A range with more fires than --max (default \(BackfillPlan.defaultMax), at most
            \(BackfillPlan.maxLimit)) is refused whole with the count; --to may not be in the future.
            --dry-run lists the fires that would get a run and creates nothing.

            Examples:
              kjob backfill nightly-report --from 2026-03-01T00:00:00Z --to 2026-03-08T00:00:00Z --dry-run
              kjob backfill nightly-report --from 2026-03-01T00:00:00Z --to 2026-03-08T00:00:00Z
            """)

    @OptionGroup var client: ClientOptions
    @OptionGroup var job: JobSlugArgument
    @Option(help: "First instant of the range (RFC 3339, included).") var from: String
    @Option(help: "End of the range (RFC 3339, excluded).") var to: String
    @Option(help: "Refuse the range when it holds more fires (1-\(BackfillPlan.maxLimit)).") var max: Int = BackfillPlan.defaultMax
    @Flag(name: .customLong("dry-run"), help: "List the fires that would get a run; create nothing.") var dryRun = false

    func validate() throws {
        let start: Date
        let end: Date
        do { start = try RFC3339.parse(from).date } catch { throw ValidationError("--from: \(error.reason)") }
        do { end = try RFC3339.parse(to).date } catch { throw ValidationError("--to: \(error.reason)") }
        guard start < end else { throw ValidationError("--to must be after --from (the range [--from, --to) is \(start == end ? "empty" : "reversed"))") }
        guard (1...BackfillPlan.maxLimit).contains(max) else { throw ValidationError("--max must be in 1...\(BackfillPlan.maxLimit)") }
    }

    func run() async throws {
        let request: [String: Any] = ["from": from, "to": to, "max": max, "dry_run": dryRun]
        let body = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])
        try await client.withClient { api in
            let response = try await api.send(.POST, "/v1/jobs/\(job.slug)/backfill", body: Array(body), contentType: "application/json")
            if client.json {
                Output.json(response.json ?? [String: Any]())
                return
            }
            let result = try response.decode(BackfillResult.self)
            let fires = result.fires.map { "  \(RFC3339.formatUTCMilliseconds($0))\n" }.joined()
            if result.dryRun {
                Output.write(fires + "would create \(result.fires.count) runs for \(result.job); \(result.existing) fires in the range already have one\n")
            } else {
                Output.write(fires + "created \(result.created) runs for \(result.job); \(result.existing) fires in the range already had one\n")
            }
        }
    }
}
