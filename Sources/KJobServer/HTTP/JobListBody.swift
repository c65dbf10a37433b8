import Foundation
import KJobCore
import KJobStore

/// `GET /v1/jobs`: one page of job summaries and the cursor of the next page (null on the last).
struct JobListBody {
    var jobs: [JobSummary]
    var next: String?

    /// `{"jobs":[...],"next":...}` with each job's keys sorted; a schedule's description is
    /// computed once per distinct schedule text, not once per job.
    var json: [UInt8] {
        var out = JSONWriter(capacity: 64 + jobs.count * 400)
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
            out.key("created_at"); out.date(job.createdAt); out.raw(",")
            out.key("enabled"); out.bool(job.enabled); out.raw(",")
            out.key("id"); out.uuid(job.id); out.raw(",")
            out.key("last_fire_at"); out.date(job.lastFireAt); out.raw(",")
            out.key("last_run")
            if let run = job.lastRun {
                out.raw("{")
                out.key("finished_at"); out.date(run.finishedAt); out.raw(",")
                out.key("id"); out.uuid(run.id); out.raw(",")
                out.key("scheduled_for"); out.date(run.scheduledFor); out.raw(",")
                out.key("started_at"); out.date(run.startedAt); out.raw(",")
                out.key("status"); out.string(run.status)
                out.raw("}")
            } else {
                out.raw("null")
            }
            out.raw(",")
            out.key("next_fire_at"); out.date(job.nextFireAt); out.raw(",")
            out.key("schedule"); out.string(job.schedule); out.raw(",")
            out.key("schedule_description"); out.string(description); out.raw(",")
            out.key("slug"); out.string(job.slug); out.raw(",")
            out.key("tenant"); out.string(job.tenant); out.raw(",")
            out.key("timezone"); out.string(job.timezone); out.raw(",")
            out.key("updated_at"); out.date(job.updatedAt)
            out.raw("}")
        }
        out.raw("],")
        out.key("next"); out.string(next)
        out.raw("}\n")
        return out.bytes
    }
}
