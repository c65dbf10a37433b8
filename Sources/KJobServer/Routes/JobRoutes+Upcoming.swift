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
                throw Problem.badRequest(
                    "within must be a duration such as 90m, 24h or 7d, at most 366d; got \"\(text.prefix(40))\"",
                    field: "within")
            }
            within = parsed
        }
        let limit = try ListLimit.parse(request, default: Self.defaultUpcomingLimit, max: RunQuery.maxLimit)
        let until = Date().addingTimeInterval(within.timeInterval)
        let (fires, truncated) = try await Self.upcomingFires(dependencies.jobs, tenant: tenant, until: until, limit: limit)
        let body = UpcomingBody(
            fires: fires.map { fire in
                UpcomingBody.Fire(
                    tenant: fire.job.tenant, slug: fire.job.slug, scheduledFor: fire.at, schedule: fire.job.schedule,
                    timezone: fire.job.timezone)
            }, until: until, truncated: truncated)
        return try APIJSON.response(body)
    }

    /// The first `limit` fires before `until` across the live, enabled jobs of `tenant` (nil: all),
    /// oldest first, and whether more fall in the window: `/v1/upcoming` and the console's overview.
    static func upcomingFires(_ jobs: JobsRepository, tenant: String?, until: Date, limit: Int)
        async throws -> (fires: [(job: JobsRepository.PendingFire, at: Date)], truncated: Bool)
    {
        // One job more than fires wanted: if it exists, the window holds more than `limit` fires.
        let pending = try await jobs.pendingFires(tenant: tenant, until: until, limit: limit + 1)
        var sourceJobs: [JobsRepository.PendingFire] = []
        var sources: [UpcomingFires.Source] = []
        for job in pending {
            // A schedule that no longer parses has no pending fire the scheduler would run.
            guard let schedule = try? Schedule(parsing: job.schedule), let zone = TimeZone(identifier: job.timezone) else { continue }
            sourceJobs.append(job)
            sources.append(UpcomingFires.Source(first: job.nextFireAt, schedule: schedule, zone: zone))
        }
        let (fires, truncated) = UpcomingFires.merge(sources, before: until, limit: limit)
        return (fires.map { (sourceJobs[$0.source], $0.at) }, truncated)
    }
}
