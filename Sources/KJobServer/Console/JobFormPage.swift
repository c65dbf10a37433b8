import Foundation
import Hummingbird
import KJobCore
import KJobStore

/// `/ui/jobs/new` and `/ui/jobs/{slug}/edit` (admin): the job's keys as a form and as TOML, with
/// presets and a live preview of the schedule (`/ui/preview`). A create writes like `POST
/// /v1/jobs`, an edit like `PATCH /v1/jobs/{slug}` with `If-Match` (the version the form was
/// opened at), through the same `JobsRepository.write`.
struct JobFormPage: Sendable {
    let console: Console

    /// Schedules the preset buttons fill in.
    static let presets: [(label: String, schedule: String)] = [
        ("Every 5 minutes", "*/5 * * * *"), ("Every 15 minutes", "*/15 * * * *"), ("Hourly", "0 * * * *"),
        ("Daily at 09:00", "0 9 * * *"), ("Weekdays at 09:00", "0 9 * * MON-FRI"), ("Weekly, Monday 09:00", "0 9 * * MON")
    ]

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("jobs/new") { request, context in try await newForm(request, context) }
        group.post("jobs/new") { request, context in try await create(request, context) }
        group.get("jobs/{slug}/edit") { request, context in try await editForm(request, context) }
        group.post("jobs/{slug}/edit") { request, context in try await update(request, context) }
        group.get("preview") { request, context in try await preview(request, context) }
    }

    func newForm(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.admin, context)
        let tenant = try TenantScope.single(principal, request)
        var form = JobForm()
        form.agent = console.configuration.agents.sorted().first ?? ""
        return render(form, slug: nil, tenant: tenant, principal: principal, context)
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.admin, context)
        let tenant = try TenantScope.single(principal, request)
        let form = JobForm(try await console.form(request))
        let spec: JobSpec
        do {
            spec = try checked(form.newSpec(), form)
        } catch let error as JobSpecError {
            return render(form, slug: nil, tenant: tenant, principal: principal, errors: error.errors, status: .unprocessableContent, context)
        }
        switch try await console.dependencies.jobs.write(tenant: tenant, spec: spec, mode: .create, now: Date(), actor: principal.tokenName) {
        case .created(let record):
            return Console.redirect(JobPage.path(record.slug, tenant: tenant, principal))
        case .exists:
            let error = FieldError(
                field: form.usesTOML ? "job.slug" : "slug",
                message: "a job \"\(spec.slug)\" exists already in tenant \"\(tenant)\"; pick another slug, or edit that job")
            return render(form, slug: nil, tenant: tenant, principal: principal, errors: [error], status: .conflict, context)
        case .updated, .missing, .versionMismatch:
            throw Problem.conflict("the job changed while it was written; submit the form again")
        }
    }

    func editForm(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.admin, context)
        let (job, tenant) = try await JobPage.job(request, context, principal, console)
        guard let spec = job.spec else {
            throw Problem.conflict("the stored spec of job \"\(job.slug)\" no longer parses, so the form cannot show it; replace it with kjob apply")
        }
        return render(JobForm(spec: spec, version: job.version), slug: job.slug, tenant: tenant, principal: principal, context)
    }

    func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.admin, context)
        let (job, tenant) = try await JobPage.job(request, context, principal, console)
        let form = JobForm(try await console.form(request))
        guard let version = form.version else {
            throw Problem.badRequest("the form has no version field; reload the edit page and submit it again", field: "version")
        }
        guard version == job.version else { return stale(form, job, tenant: tenant, principal: principal, context) }
        guard let current = job.spec else {
            throw Problem.conflict("the stored spec of job \"\(job.slug)\" no longer parses, so the form has nothing to edit; replace it with kjob apply")
        }
        let spec: JobSpec
        do {
            spec = try checked(form.editedSpec(current), form)
        } catch let error as JobSpecError {
            return render(form, slug: job.slug, tenant: tenant, principal: principal, errors: error.errors, status: .unprocessableContent, context)
        }
        switch try await console.dependencies.jobs.write(
            tenant: tenant, spec: spec, mode: .update(version: version), now: Date(),
            actor: principal.tokenName)
        {
        case .updated(let record):
            return Console.redirect(JobPage.path(record.slug, tenant: tenant, principal))
        case .versionMismatch(let now):
            var changed = job
            changed.version = now
            return stale(form, changed, tenant: tenant, principal: principal, context)
        case .missing:
            throw JobRoutes.noJob(job.slug, tenant)
        case .created, .exists:
            throw Problem.conflict("job \"\(job.slug)\" was replaced while it was edited; reload and edit it again")
        }
    }

    /// The spec, once the node's own checks (its agents) pass too, as for the API.
    private func checked(_ spec: JobSpec, _ form: JobForm) throws -> JobSpec {
        do {
            try SpecBody.checkAgainstNode(spec, prefix: form.usesTOML ? JobSpec.tomlFieldPrefix : "", configuration: console.configuration)
        } catch let problem as Problem {
            throw JobSpecError(errors: problem.errors.map { FieldError(field: $0.field, message: $0.message) })
        }
        return spec
    }

    /// 409: someone changed the job since this form was opened; what was typed is kept, unsaved.
    private func stale(_ form: JobForm, _ job: JobRecord, tenant: String, principal: Principal, _ context: APIRequestContext) -> Response {
        let who = job.updatedBy.map { " by \($0)" } ?? ""
        let notice =
            "Not saved: job \(job.slug) was changed\(who) since this form was opened (it is now at version \(job.version), "
            + "the form at \(form.version.map(String.init) ?? "?")). Your changes are below; reload the page to edit the current version."
        return render(form, slug: job.slug, tenant: tenant, principal: principal, notice: notice, status: .conflict, context)
    }

    func render(
        _ form: JobForm, slug: String?, tenant: String, principal: Principal, errors: [FieldError] = [], notice: String? = nil,
        status: HTTPResponse.Status = .ok, _ context: APIRequestContext
    ) -> Response {
        var byField: [String: [String]] = [:]
        var general: [String] = []
        for error in errors {
            if let field = form.field(for: error.field) {
                let plain = error.field.hasPrefix(JobSpec.tomlFieldPrefix) ? String(error.field.dropFirst(JobSpec.tomlFieldPrefix.count)) : error.field
                let text = plain.isEmpty || plain == field ? (error.line == nil ? error.message : error.description) : "\(plain): \(error.message)"
                byField[field, default: []].append(text)
            } else {
                general.append(error.description)
            }
        }
        let fields = JobFormFields(form: form, errors: byField, agents: console.configuration.agents.sorted())
        let jobPath = slug.map { JobPage.path($0, tenant: tenant, principal) } ?? "/ui/jobs"
        let postTo =
            slug.map { JobPage.path($0, suffix: "/edit", tenant: tenant, principal) }
            ?? "/ui/jobs/new" + JobPage.tenantQuery(tenant, principal)
        let title = slug.map { "Edit \($0)" } ?? "New job"
        let body: HTML = """
            <p class="crumbs"><a href="/ui/jobs">Jobs</a>\(slug.map { " / <a href=\"\(jobPath)\">\($0)</a>" as HTML })</p>
            <h1>\(title)</h1>
            \(notice.map { "<p class=\"notice bad\" id=\"form-notice\" role=\"alert\">\($0)</p>" as HTML })
            \(HTML.when(!general.isEmpty, "<div class=\"notice bad\" id=\"form-errors\" role=\"alert\"><p>The job was not saved:</p><ul>\(general.map { "<li>\($0)</li>" as HTML })</ul></div>"))
            \(HTML.when(!byField.isEmpty && general.isEmpty, "<p class=\"notice bad\" id=\"form-errors\" role=\"alert\">The job was not saved; see the fields marked below.</p>"))
            <form id="job-form" method="post" action="\(postTo)" data-preview class="job-form">
              \(ConsoleLayout.csrfField(context.consoleSession))
              \(form.version.map { "<input type=\"hidden\" name=\"version\" value=\"\($0)\">" as HTML })
              <div class="form-grid">
                <div class="form-main">
                  \(fields.text("slug", label: "Slug", hint: "lowercase letters, digits and dashes; the job's name in URLs and the CLI",
                                readonly: slug != nil))
                  \(fields.text("schedule", label: "Schedule", hint: "5- or 6-field cron, @daily, \"@every 10m\" or \"@once 2026-12-06T10:00:00Z\"",
                                mono: true))
                  <div class="presets" role="group" aria-label="Schedule presets">\(Self.presets.map { "<button type=\"button\" data-preset=\"\($0.schedule)\" title=\"\($0.schedule)\">\($0.label)</button>" as HTML })</div>
                  \(fields.text("timezone", label: "Time zone", hint: "IANA name, such as Europe/Lisbon or America/New_York", list: "zones"))
                  <datalist id="zones">\(TimeZone.knownTimeZoneIdentifiers.map { "<option value=\"\($0)\">" as HTML })</datalist>
                  \(fields.agent())
                  \(fields.textarea("prompt", label: "Prompt", hint: "what the agent is asked to do"))
                  \(fields.checkbox("enabled", label: "Enabled (unchecked: the job is paused and its fires are skipped)"))
                  \(fields.text("timeout", label: "Timeout", hint: "wall-clock limit of one attempt, such as 30m or 2h"))
                  \(fields.select("overlap", label: "When a run is still going at the next fire", OverlapPolicy.allCases.map(\.rawValue)))
                  \(fields.select("misfire_policy", label: "Missed fires (no active node at the time)", MisfirePolicy.Mode.allCases.map(\.rawValue)))
                  \(fields.text("misfire_window", label: "Missed-fire window", hint: "how late a missed fire may still run, such as 1h"))
                  \(fields.textarea("env", label: "Environment", hint: "KEY=VALUE, one a line", mono: true))
                  <p class="form-actions"><button type="submit" id="save" name="mode" value="form">\(slug == nil ? "Create job" : "Save changes")</button>
                  <a class="button secondary" href="\(jobPath)">Cancel</a></p>
                </div>
                <aside class="form-side card">
                  <h2>Preview</h2>
                  <div id="preview" aria-live="polite">\(Self.previewFragment(schedule: form.schedule, timezone: form.timezone, viewerZone: form.timezone))</div>
                </aside>
              </div>
              <details id="toml-view" class="card"\(HTML.when(form.usesTOML, " open"))>
                <summary>TOML view</summary>
                <p class="muted">The job as a TOML file (kjob apply -f reads the same). Edit it and save from here to set keys the form has no field for.</p>
                \(fields.textarea("toml", label: "Job file", mono: true, rows: 16))
                <p><button type="submit" id="save-toml" name="mode" value="toml" class="secondary">\(slug == nil ? "Create from TOML" : "Save from TOML")</button></p>
              </details>
            </form>
            """
        return console.page(context, title: title, section: .jobs, body: body, status: status)
    }

    /// `GET /ui/preview?schedule=&timezone=&viewer_tz=` (viewer): the preview fragment.
    func preview(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try console.require(.viewer, context)
        let query = request.uri.queryParameters
        let schedule = String((query.get("schedule") ?? "").prefix(1024))
        let timezone = String((query.get("timezone") ?? "").prefix(128))
        let viewer = String((query.get("viewer_tz") ?? "").prefix(128))
        return Console.html(Self.previewFragment(schedule: schedule, timezone: timezone, viewerZone: viewer))
    }
}
