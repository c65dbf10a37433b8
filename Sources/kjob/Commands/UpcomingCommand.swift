import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// `kjob upcoming`: the next fires across jobs.
struct UpcomingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upcoming",
        abstract: "List the next fires across the enabled jobs, soonest first.",
        discussion: """
            Computed by the node from each job's pending fire and schedule (GET /v1/upcoming); times are
            shown in each job's zone.

            Examples:
              kjob upcoming
              kjob upcoming --within 7d --limit 500 --json
            """)

    @OptionGroup var client: ClientOptions
    @Option(help: "How far ahead to look, e.g. 90m, 24h, 7d (at most 366d).") var within: String = "24h"
    @Option(help: "Show at most N fires (1-1000).") var limit: Int = 100

    func validate() throws {
        do { _ = try DurationText.parse(within) } catch { throw ValidationError("--within: \(error.reason)") }
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be in 1...1000") }
    }

    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.GET, "/v1/upcoming", query: [("within", within), ("limit", "\(limit)")])
            if client.json {
                Output.json(response.json ?? [String: Any]())
                return
            }
            let list = try response.decode(UpcomingList.self)
            guard !list.fires.isEmpty else {
                Output.write("no fires within \(within)\n")
                return
            }
            let now = Date()
            let tenants = Set(list.fires.map(\.tenant)).count > 1
            var table = TextTable((tenants ? ["TENANT"] : []) + ["WHEN", "IN", "SLUG", "SCHEDULE"])
            for fire in list.fires {
                let zone = TimeZone(identifier: fire.timezone) ?? TimeZone(identifier: "UTC")!
                table.add(
                    (tenants ? [fire.tenant] : []) + [
                        RFC3339.format(fire.scheduledFor, in: zone), RelativeTime.describe(fire.scheduledFor, now: now),
                        fire.slug, fire.schedule
                    ])
            }
            Output.write(table.rendered)
            if list.truncated { Output.error("showing the first \(list.fires.count) fires within \(within); there are more (raise --limit)") }
        }
    }
}
