import Foundation
import Hummingbird
import KJobCore
import KJobStore

/// `/v1/jobs...`: CRUD, apply, patch, enable, disable (with a note), restore, purge, run-now, backfill
/// and the job's runs; `/v1/upcoming`. The caller's token name is the actor every change is audited under.
struct JobRoutes: Sendable {
    let dependencies: APIDependencies
    let configuration: APIConfiguration

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("jobs") { request, context in try await list(request, context) }
        group.post("jobs") { request, context in try await create(request, context) }
        group.get("jobs/{slug}") { request, context in try await get(request, context) }
        group.put("jobs/{slug}") { request, context in try await apply(request, context) }
        group.patch("jobs/{slug}") { request, context in try await patch(request, context) }
        group.delete("jobs/{slug}") { request, context in try await delete(request, context) }
        group.post("jobs/{slug}/enable") { request, context in try await setEnabled(true, request, context) }
        group.post("jobs/{slug}/disable") { request, context in try await setEnabled(false, request, context) }
        group.post("jobs/{slug}/restore") { request, context in try await restore(request, context) }
        group.post("jobs/{slug}/run") { request, context in try await runNow(request, context) }
        group.get("jobs/{slug}/runs") { request, context in try await runs(request, context) }
        group.post("jobs/{slug}/backfill") { request, context in try await backfill(request, context) }
        group.get("upcoming") { request, context in try await upcoming(request, context) }
    }

    static func slug(_ context: APIRequestContext) throws -> String {
        let slug = context.parameters.get("slug") ?? ""
        guard Slug.isValid(slug) else {
            throw Problem.badRequest("job slug \"\(slug.prefix(80))\" must match ^[a-z0-9][a-z0-9-]{0,62}$", field: "slug")
        }
        return slug
    }

    /// The job addressed by the path, in the caller's tenant; 404 (also for another tenant's job).
    func job(_ request: Request, _ context: APIRequestContext, _ principal: Principal) async throws -> JobRecord {
        let slug = try Self.slug(context)
        let tenant = try TenantScope.single(principal, request)
        guard let job = try await dependencies.jobs.get(tenant: tenant, slug: slug) else {
            throw Self.noJob(slug, tenant)
        }
        return job
    }

    /// 201 with a Location for a new job, 200 for a replaced one, 409 (`exists`) for a taken slug.
    static func response(_ result: JobsRepository.WriteResult, exists: @autoclosure () -> String) throws -> Response {
        switch result {
        case .created(let record):
            return try jobResponse(record, status: .created, headers: [.location: "/v1/jobs/\(record.slug)"])
        case .updated(let record):
            return try jobResponse(record)
        case .exists:
            throw Problem.conflict(exists())
        case .missing, .versionMismatch:
            // Only an `update` write answers these; create and apply never do.
            throw Problem.conflict("the job changed while it was written; retry")
        }
    }

    /// A job's body with its version as the ETag.
    static func jobResponse(
        _ record: JobRecord, lastRun: RunRecord? = nil, status: HTTPResponse.Status = .ok,
        headers: HTTPFields = [:]
    ) throws -> Response {
        var headers = headers
        headers[.eTag] = IfMatch.etag(record.version)
        return try APIJSON.response(JobBody(record, lastRun: lastRun), status: status, headers: headers)
    }

    static func noJob(_ slug: String, _ tenant: String) -> Problem {
        Problem.notFound("no job \"\(slug)\" in tenant \"\(tenant)\"")
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.viewer)
        let tenant = try TenantScope.listing(principal, request)
        let query = try JobListQuery(request, tenant: tenant)
        let (jobs, more) = try await dependencies.jobs.page(tenant: tenant, after: query.after, limit: query.limit)
        let next = more ? jobs.last.map { JobListQuery.cursor($0, tenant: tenant) } : nil
        return APIJSON.response(json: JobListBody(jobs: jobs, next: next).json)
    }

    func get(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.viewer)
        let job = try await job(request, context, principal)
        var filter = RunsRepository.Filter()
        filter.limit = 1
        let last = try await dependencies.runs.list(jobID: job.id, filter: filter).first
        return try Self.jobResponse(job, lastRun: last)
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let tenant = try TenantScope.single(principal, request)
        let (spec, _) = try await SpecBody.read(request, configuration: configuration)
        let result = try await dependencies.jobs.write(tenant: tenant, spec: spec, mode: .create, now: Date(), actor: principal.tokenName)
        return try Self.response(
            result,
            exists: "job \"\(spec.slug)\" exists in tenant \"\(tenant)\"; use PUT /v1/jobs/\(spec.slug) (kjob apply) to replace it")
    }

    func apply(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let slug = try Self.slug(context)
        let tenant = try TenantScope.single(principal, request)
        let (spec, prefix) = try await SpecBody.read(request, configuration: configuration)
        guard spec.slug == slug else {
            throw Problem(
                .unprocessableContent, code: "invalid-job", title: "Invalid job",
                detail: "the body's slug \"\(spec.slug)\" differs from the path's \"\(slug)\"",
                errors: [.init(field: prefix + "slug", message: "must equal the slug in the URL (\(slug))")])
        }
        let result = try await dependencies.jobs.write(tenant: tenant, spec: spec, mode: .apply, now: Date(), actor: principal.tokenName)
        return try Self.response(result, exists: "job \"\(slug)\" exists")
    }

    /// A soft delete; `?purge=1` erases the live job (or every soft-deleted one of the slug) with its
    /// runs, logs and dispatches.
    func delete(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let slug = try Self.slug(context)
        let tenant = try TenantScope.single(principal, request)
        let purge: Bool
        switch request.uri.queryParameters.get("purge") {
        case nil, "0", "false": purge = false
        case "1", "true": purge = true
        case let other?: throw Problem.badRequest("purge must be 1 or 0, not \"\(other.prefix(40))\"", field: "purge")
        }
        guard purge else {
            guard try await dependencies.jobs.delete(tenant: tenant, slug: slug, actor: principal.tokenName) else {
                throw Self.noJob(slug, tenant)
            }
            return Response(status: .noContent)
        }
        switch try await dependencies.jobs.purge(tenant: tenant, slug: slug, actor: principal.tokenName) {
        case .purged: return Response(status: .noContent)
        case .notFound: throw Problem.notFound("no job \"\(slug)\", live or deleted, in tenant \"\(tenant)\"")
        case .running(let count):
            throw Problem.conflict(
                "job \"\(slug)\" has \(count) running run\(count == 1 ? "" : "s"); delete it first (kjob delete \(slug)), "
                    + "which stops them, then purge once they have ended")
        }
    }

    /// Brings back the most recently deleted job of the slug when the slug is free.
    func restore(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let slug = try Self.slug(context)
        let tenant = try TenantScope.single(principal, request)
        switch try await dependencies.jobs.restore(tenant: tenant, slug: slug, actor: principal.tokenName, now: Date()) {
        case .restored(let job): return try APIJSON.response(JobBody(job))
        case .notFound: throw Problem.notFound("no deleted job \"\(slug)\" in tenant \"\(tenant)\" to restore")
        case .slugTaken:
            throw Problem.conflict("a live job \"\(slug)\" exists in tenant \"\(tenant)\"; delete or rename it before restoring the deleted one")
        }
    }

    /// Enable, or disable with an optional body `{"note": "why"}` (at most 1 KiB) recorded with the pause.
    func setEnabled(_ enabled: Bool, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.operator)
        let slug = try Self.slug(context)
        let tenant = try TenantScope.single(principal, request)
        var note: String?
        if !enabled,
            let body = try await JSONBody.read(
                request, keys: ["note"], limit: configuration.maxBodyBytes, example: "{\"note\": \"waiting for the vendor fix\"}")
        {
            note = try body.string("note")
            if let text = note, let problem = PauseNote.problem(text) { throw Problem.badRequest(problem, field: "note") }
            if note?.isEmpty == true { note = nil }
        }
        guard
            let job = try await dependencies.jobs.setEnabled(
                tenant: tenant, slug: slug, enabled: enabled, actor: principal.tokenName,
                note: note)
        else {
            throw Self.noJob(slug, tenant)
        }
        return try Self.jobResponse(job)
    }

    func runNow(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.operator)
        let job = try await job(request, context, principal)
        let run = try await dependencies.runs.insertManualRun(jobID: job.id, actor: principal.tokenName)
        context.logger.info("run-now", metadata: ["job": "\(job.slug)", "run": "\(run.id)", "token": "\(principal.tokenName)"])
        return try APIJSON.response(RunBody(run), status: .accepted, headers: [.location: "/v1/runs/\(run.id.uuidString.lowercased())"])
    }

    func runs(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.viewer)
        let filter = try RunQuery.filter(request)
        let job = try await job(request, context, principal)
        let runs = try await dependencies.runs.list(jobID: job.id, filter: filter)
        return try APIJSON.response(RunListBody(runs: runs.map(RunBody.init)))
    }
}

/// Query parameters of `GET /v1/jobs/{slug}/runs`.
enum RunQuery {
    static let maxLimit = 1000

    static func filter(_ request: Request) throws -> RunsRepository.Filter {
        var filter = RunsRepository.Filter()
        let query = request.uri.queryParameters
        filter.limit = try ListLimit.parse(request, default: filter.limit, max: maxLimit)
        for text in query.getAll("status") {
            for part in text.split(separator: ",") {
                guard let status = RunStatus(rawValue: String(part)) else {
                    throw Problem.badRequest(
                        "status \"\(part.prefix(40))\" is not one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))", field: "status")
                }
                filter.statuses.append(status.rawValue)
            }
        }
        for name in ["before", "since"] {
            guard let text = query.get(name) else { continue }
            let date: Date
            do { date = try RFC3339.parse(text).date } catch {
                throw Problem.badRequest("\(name) must be an RFC 3339 time such as 2026-01-02T03:04:05Z", field: name)
            }
            if name == "before" { filter.before = date } else { filter.since = date }
        }
        return filter
    }
}
