import Foundation
import Hummingbird
import KJobCore
import KJobStore

extension JobRoutes {
    /// `POST /v1/jobs/{slug}/backfill` (operator): queued runs for the schedule's fires in
    /// `[from, to)` that have none yet, marked `backfill`; refused whole above `max` fires.
    func backfill(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.operator)
        let job = try await job(request, context, principal)
        let mediaType = SpecBody.mediaType(request)
        guard mediaType.isEmpty || mediaType == "application/json" else {
            throw Problem(
                .unsupportedMediaType, code: "unsupported-media-type", title: "Unsupported media type",
                detail: "send the backfill request as application/json, not \(mediaType.prefix(80))")
        }
        let body = try BackfillRequest(json: try await SpecBody.collect(request, limit: configuration.maxBodyBytes))
        guard let spec = job.spec else {
            throw Problem.conflict("the stored spec of job \"\(job.slug)\" no longer parses; replace it with kjob apply before a backfill")
        }
        if !body.dryRun, !job.enabled {
            throw Problem.conflict(
                "job \"\(job.slug)\" is disabled, so its backfill runs would be skipped; enable it first (a dry run works on a disabled job)")
        }
        let plan: BackfillPlan
        do {
            plan = try BackfillPlan(schedule: spec.schedule, in: spec.timeZone, from: body.from, to: body.to, max: body.max, now: Date())
        } catch {
            switch error.kind {
            case .invalid:
                throw Problem.badRequest(error.message, field: error.field)
            case .tooManyFires:
                throw Problem(
                    .unprocessableContent, code: "too-many-fires", title: "Too many fires", detail: error.message,
                    errors: [.init(field: error.field, message: error.message)])
            }
        }
        switch try await dependencies.jobs.backfill(jobID: job.id, version: job.version, fires: plan.fires, dryRun: body.dryRun, actor: principal.tokenName) {
        case .done(let created, let existing):
            if !body.dryRun {
                context.logger.info(
                    "backfill",
                    metadata: [
                        "job": "\(job.slug)", "tenant": "\(job.tenant)", "created": "\(created.count)",
                        "existing": "\(existing.count)", "token": "\(principal.tokenName)"
                    ])
            }
            return try APIJSON.response(
                BackfillBody(
                    job: job.slug, tenant: job.tenant, from: plan.from, to: plan.to, dryRun: body.dryRun,
                    created: body.dryRun ? 0 : created.count, existing: existing.count, fires: created))
        case .missing:
            throw Self.noJob(job.slug, job.tenant)
        case .versionMismatch:
            throw Problem.conflict("job \"\(job.slug)\" changed while the backfill was planned (its schedule may differ); send it again")
        }
    }
}
