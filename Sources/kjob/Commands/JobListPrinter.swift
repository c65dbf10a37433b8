import Foundation
import KJobClient

/// Prints `kjob list` a page at a time: a table whose columns the first page sizes, or one JSON
/// array whose elements are written as their pages arrive.
struct JobListPrinter {
    /// A fetched page, decoded before it reaches the printer (off the printing task).
    struct Page: Sendable {
        var count: Int
        var next: String?
        var jobs: [JobListRow] = []
        /// Each job's JSON as the server wrote it, indented as an array element.
        var json: [String] = []

        private struct Cursor: Decodable {
            var next: String?
        }

        /// The page after `after`; nil when there is no cursor (the previous page was the last).
        static func fetch(_ api: APIClient, after: String?, limit: Int, json: Bool) async throws -> Page? {
            guard let after else { return nil }
            return try await fetch(api, cursor: after, limit: limit, json: json)
        }

        static func fetchFirst(_ api: APIClient, limit: Int, json: Bool) async throws -> Page {
            try await fetch(api, cursor: nil, limit: limit, json: json)
        }

        private static func fetch(_ api: APIClient, cursor: String?, limit: Int, json: Bool) async throws -> Page {
            let response = try await api.jobPage(after: cursor, limit: limit)
            guard json else {
                let page = try response.decode(JobPage.self)
                return Page(count: page.jobs.count, next: page.next, jobs: page.jobs)
            }
            // The server's own summaries, one a line: re-serializing them cost seconds a listing.
            let next = try response.decode(Cursor.self).next
            guard let jobs = RawJSON.arrayElements("jobs", in: response.body) else {
                throw ClientError.failure("unexpected response from \(response.server): no jobs array")
            }
            return Page(count: jobs.count, next: next, json: jobs.map { "  " + String(decoding: $0, as: UTF8.self) })
        }
    }

    let json: Bool
    let now: Date
    private(set) var printed = 0
    private var widths: [Int]?
    private var tenants = false

    init(json: Bool, now: Date = Date()) {
        self.json = json
        self.now = now
    }

    mutating func print(_ page: Page) {
        guard page.count > 0 else { return }
        defer { printed += page.count }
        if json {
            Output.write((printed == 0 ? "[\n" : ",\n") + page.json.joined(separator: ",\n"))
            return
        }
        if widths == nil {
            // Several tenants, or a cursor that spans tenants (TENANT/SLUG): later pages may bring others.
            tenants = Set(page.jobs.map(\.tenant)).count > 1 || page.next?.contains("/") == true
        }
        var table = TextTable((tenants ? ["TENANT"] : []) + ["SLUG", "ENABLED", "SCHEDULE", "NEXT", "LAST RUN"])
        for job in page.jobs {
            let last = job.lastRun.map { "\($0.status) \(RelativeTime.describe($0.finishedAt ?? $0.startedAt ?? $0.scheduledFor, now: now))" } ?? "-"
            let enabled = job.enabled ? "yes" : job.pausedBy.map { "paused (\($0))" } ?? "no"
            table.add(
                (tenants ? [job.tenant] : []) + [
                    job.slug, enabled, job.schedule,
                    job.enabled ? RelativeTime.describe(job.nextFireAt, now: now) : "(disabled)", last
                ])
        }
        let widths = self.widths ?? table.widths
        Output.write(table.rendered(widths: widths, header: self.widths == nil))
        self.widths = widths
    }

    func finish() {
        if json {
            Output.write(printed == 0 ? "[]\n" : "\n]\n")
        } else if printed == 0 {
            Output.write("no jobs\n")
        }
    }
}
