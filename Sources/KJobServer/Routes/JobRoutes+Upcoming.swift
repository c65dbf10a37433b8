import Foundation
import Hummingbird
import KJobCore
import KJobStore

extension JobRoutes {
    static let defaultWithin: Duration = .seconds(86_400)
    static let maxWithin: Duration = .seconds(366 * 86_400)
    static let defaultUpcomingLimit = 100

    /// `GET /v1/upcoming?within=24h&limit=` (viewer): the next fires across the live, enabled jobs
    /// the caller sees, oldest first, from each job's pending fire and stored schedule.
    func upcoming(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.viewer)
        let tenant = try TenantScope.listing(principal, request)
        var within = Self.defaultWithin
        if let text = request.uri.queryParameters.get("within") {
            let parsed = try? DurationText.parse(text)
            guard let parsed, parsed > .zero, parsed <= Self.maxWithin else {
                throw Problem.badRequest("within must be a duration such as 90m, 24h or 7d, at most 366d; got \"\(text.prefix(40))\"",
                                         field: "within")
            }
            within = parsed
        }
        let limit = try ListLimit.parse(request, default: Self.defaultUpcomingLimit, max: RunQuery.maxLimit)
        let until = Date().addingTimeInterval(within.timeInterval)
        // One job more than fires wanted: if it exists, the window holds more than `limit` fires.
        let pending = try await dependencies.jobs.pendingFires(tenant: tenant, until: until, limit: limit + 1)
        var jobs: [JobsRepository.PendingFire] = []
        var sources: [UpcomingFires.Source] = []
        for job in pending {
            // A schedule that no longer parses has no pending fire the scheduler would run.
            guard let schedule = try? Schedule(parsing: job.schedule), let zone = TimeZone(identifier: job.timezone) else { continue }
            jobs.append(job)
            sources.append(UpcomingFires.Source(first: job.nextFireAt, schedule: schedule, zone: zone))
        }
        let (fires, truncated) = UpcomingFires.merge(sources, before: until, limit: limit)
        let body = UpcomingBody(fires: fires.map { fire in
            let job = jobs[fire.source]
            return UpcomingBody.Fire(tenant: job.tenant, slug: job.slug, scheduledFor: fire.at, schedule: job.schedule, timezone: job.timezone)
        }, until: until, truncated: truncated)
        return try APIJSON.response(body)
    }
}
