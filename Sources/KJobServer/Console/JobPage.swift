import Foundation
import Hummingbird
import KJobCore
import KJobStore

/// `/ui/jobs/{slug}`: spec, owner, pause note, the actions the caller's role allows, upcoming
/// fires, run history and its chart. A job is looked up like the API does: in the token's tenant,
/// or for an all-tenant token in `?tenant=` (default `default`), which links then carry along.
struct JobPage: Sendable {
    let console: Console
    /// Runs the history table and the chart show.
    static let historyRuns = 50

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("jobs/{slug}") { request, context in try await page(request, context) }
        group.post("jobs/{slug}/run") { request, context in try await runNow(request, context) }
        group.post("jobs/{slug}/pause") { request, context in try await setEnabled(false, request, context) }
        group.post("jobs/{slug}/resume") { request, context in try await setEnabled(true, request, context) }
        group.post("jobs/{slug}/delete") { request, context in try await delete(request, context) }
        group.get("jobs/{slug}/export") { request, context in try await export(request, context) }
    }

    /// `?tenant=T` when the caller acts on tenants by query and `tenant` is not the default one.
    static func tenantQuery(_ tenant: String, _ principal: Principal) -> String {
        principal.tenant == nil && tenant != TenantName.default ? "?tenant=\(tenant)" : ""
    }

    /// The console URL of a job (with `suffix` such as `/edit`), carrying its tenant when needed.
    static func path(_ slug: String, suffix: String = "", tenant: String, _ principal: Principal) -> String {
        "/ui/jobs/\(slug)\(suffix)" + tenantQuery(tenant, principal)
    }

    /// The job the path names, in the caller's tenant, and that tenant; 404 otherwise.
    static func job(
        _ request: Request, _ context: APIRequestContext, _ principal: Principal,
        _ console: Console
    ) async throws -> (JobRecord, String) {
        let slug = try JobRoutes.slug(context)
        let tenant = try TenantScope.single(principal, request)
        guard let job = try await console.dependencies.jobs.get(tenant: tenant, slug: slug) else {
            throw JobRoutes.noJob(slug, tenant)
        }
        return (job, tenant)
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.viewer, context)
        let (job, tenant) = try await Self.job(request, context, principal, console)
        var filter = RunsRepository.Filter()
        filter.limit = Self.historyRuns
        let runs = try await console.dependencies.runs.list(jobID: job.id, filter: filter)
        let body = JobPageView(
            job: job, tenant: tenant, runs: runs, principal: principal, session: context.consoleSession,
            now: Date()
        ).body
        return console.page(context, title: job.slug, section: .jobs, body: body)
    }

    /// Run now (operator), as `POST /v1/jobs/{slug}/run`; → the new run's page.
    func runNow(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.operator, context)
        let (job, _) = try await Self.job(request, context, principal, console)
        let run = try await console.dependencies.runs.insertManualRun(jobID: job.id, actor: principal.tokenName)
        context.logger.info("run-now", metadata: ["job": "\(job.slug)", "run": "\(run.id)", "token": "\(principal.tokenName)", "via": "console"])
        return Console.redirect("/ui/runs/\(run.id.uuidString.lowercased())")
    }

    /// Pause with an optional `note`, or resume (operator), as `POST /v1/jobs/{slug}/disable|enable`.
    func setEnabled(_ enabled: Bool, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.operator, context)
        let slug = try JobRoutes.slug(context)
        let tenant = try TenantScope.single(principal, request)
        var note: String?
        if !enabled {
            let text = (try await console.form(request)["note"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if let problem = PauseNote.problem(text) { throw Problem.badRequest(problem, field: "note") }
            note = text.isEmpty ? nil : text
        }
        guard
            try await console.dependencies.jobs.setEnabled(
                tenant: tenant, slug: slug, enabled: enabled, actor: principal.tokenName,
                note: note) != nil
        else {
            throw JobRoutes.noJob(slug, tenant)
        }
        return Console.redirect(Self.path(slug, tenant: tenant, principal))
    }

    /// Soft delete (admin), as `DELETE /v1/jobs/{slug}`; → the list.
    func delete(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.admin, context)
        let slug = try JobRoutes.slug(context)
        let tenant = try TenantScope.single(principal, request)
        guard try await console.dependencies.jobs.delete(tenant: tenant, slug: slug, actor: principal.tokenName) else {
            throw JobRoutes.noJob(slug, tenant)
        }
        return Console.redirect("/ui/jobs" + Self.tenantQuery(tenant, principal))
    }

    /// The job file of the spec in force (what `kjob export SLUG` writes), as an attachment.
    func export(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.viewer, context)
        let (job, _) = try await Self.job(request, context, principal, console)
        let toml = job.spec?.toml() ?? job.specTOML
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/plain; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(job.slug).toml\""
            ],
            body: .init(byteBuffer: ByteBuffer(string: toml)))
    }
}
