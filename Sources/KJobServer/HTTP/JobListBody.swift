import Foundation
import KJobCore
import KJobStore

/// `GET /v1/jobs`: one page of job summaries and the cursor of the next page (null on the last).
struct JobListBody {
    var jobs: [JobSummaryRow]
    var next: String?

    /// `{"jobs":[...],"next":...}`: each summary is the object Postgres wrote with
    /// `schedule_description` added in front, computed once per distinct schedule text.
    var json: [UInt8] {
        var out = JSONWriter(capacity: 64 + jobs.reduce(0) { $0 + $1.json.utf8.count + 96 })
        var descriptions: [String: String?] = [:]
        out.raw("{")
        out.key("jobs")
        out.raw("[")
        for (index, job) in jobs.enumerated() {
            if index > 0 { out.raw(",") }
            let description: String?
            if let known = descriptions[job.schedule] {
                description = known
            } else {
                description = (try? Schedule(parsing: job.schedule))?.humanDescription
                descriptions[job.schedule] = .some(description)
            }
            out.raw("{")
            out.key("schedule_description")
            out.string(description)
            out.raw(",")
            out.object(contentsOf: job.json)
        }
        out.raw("],")
        out.key("next")
        out.string(next)
        out.raw("}\n")
        return out.bytes
    }
}
