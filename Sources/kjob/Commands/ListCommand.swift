import ArgumentParser
import Foundation
import KJobClient

/// `kjob list`: the jobs with their next fire and last run, every page of them.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List jobs.",
        discussion: """
            Fetches every page of GET /v1/jobs (\(APIClient.jobPageLimit) jobs a request) and prints each as it
            arrives; --limit stops after N jobs.

            Examples:
              kjob list
              kjob list --limit 20
              kjob list --json | jq '.[].slug'
            """)

    @OptionGroup var client: ClientOptions
    @Option(help: "Show at most N jobs (default: all).") var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let (json, limit) = (client.json, self.limit)
        try await client.withClient { api in
            var printer = JobListPrinter(json: json)
            var page = try await JobListPrinter.Page.fetchFirst(api, limit: Self.pageSize(shown: 0, limit), json: json)
            var shown = 0
            var truncated = false
            while true {
                shown += page.count
                let wanted = limit.map { shown < $0 } ?? true
                truncated = page.next != nil && !wanted
                let (cursor, size) = (wanted ? page.next : nil, Self.pageSize(shown: shown, limit))
                // The next page is fetched and decoded while this one prints.
                async let following = JobListPrinter.Page.fetch(api, after: cursor, limit: size, json: json)
                printer.print(page)
                guard let next = try await following else { break }
                page = next
            }
            printer.finish()
            if truncated {
                Output.error("showing the first \(shown) jobs; there are more (raise --limit, or drop it to list all)")
            }
        }
    }

    static func pageSize(shown: Int, _ limit: Int?) -> Int {
        min(APIClient.jobPageLimit, limit.map { $0 - shown } ?? .max)
    }
}
