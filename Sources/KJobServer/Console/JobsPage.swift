import Foundation
import Hummingbird
import KJobCore
import KJobStore

/// `/ui/jobs`: every job the caller sees (its tenant's, or every tenant's for an all-tenant token,
/// `?tenant=` narrowing it), keyset-paged like `GET /v1/jobs`, searchable by slug (`q`) and
/// filtered by `state`. Two queries a page: the jobs, then the last runs of those jobs.
struct JobsPage: Sendable {
    let console: Console
    static let pageSize = 50
    /// Runs in a row's strip.
    static let stripRuns = 20
    /// Longest `q` kept (a slug is at most 63 characters).
    static let maxSearch = 63

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("jobs") { request, context in try await page(request, context) }
    }

    /// What the list shows: the query's tenant, search, state and cursor.
    struct Query: Sendable, Hashable {
        var tenant: String?
        var search: String
        var state: JobsRepository.ConsoleState
        var after: JobPosition?
        /// `?tenant=` as given (kept in links); nil for a tenant-scoped token.
        var tenantParameter: String?

        init(_ request: Request, principal: Principal) throws {
            let parameters = request.uri.queryParameters
            tenant = try TenantScope.listing(principal, request)
            tenantParameter = principal.tenant == nil ? tenant : nil
            search = String((parameters.get("q") ?? "").trimmingCharacters(in: .whitespaces).lowercased().prefix(JobsPage.maxSearch))
            let stateText = parameters.get("state") ?? ""
            guard let state = stateText.isEmpty ? .all : JobsRepository.ConsoleState(rawValue: stateText) else {
                throw Problem.badRequest(
                    "state must be one of \(JobsRepository.ConsoleState.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(stateText.prefix(40))\"",
                    field: "state")
            }
            self.state = state
            after = try parameters.get("after").map { try JobListQuery.position($0, tenant: tenant) }
        }

        /// The same list without search and state filter.
        var cleared: Query {
            var plain = self
            plain.search = ""
            plain.state = .all
            return plain
        }

        /// `/ui/jobs?…` with these filters and the given cursor.
        func link(after cursor: String?) -> String {
            var items: [URLQueryItem] = []
            if let tenantParameter { items.append(URLQueryItem(name: "tenant", value: tenantParameter)) }
            if !search.isEmpty { items.append(URLQueryItem(name: "q", value: search)) }
            if state != .all { items.append(URLQueryItem(name: "state", value: state.rawValue)) }
            if let cursor { items.append(URLQueryItem(name: "after", value: cursor)) }
            var components = URLComponents()
            components.path = "/ui/jobs"
            components.queryItems = items.isEmpty ? nil : items
            return components.string ?? "/ui/jobs"
        }
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.viewer, context)
        let query = try Query(request, principal: principal)
        let jobs = console.dependencies.jobs
        var (rows, more) = try await jobs.consolePage(
            tenant: query.tenant, search: query.search, state: query.state,
            after: query.after, limit: Self.pageSize)
        let strips = try await jobs.consoleStrips(jobIDs: rows.map(\.id), count: Self.stripRuns)
        for index in rows.indices { rows[index].strip = strips[rows[index].id] ?? [] }
        let next = more ? rows.last.map { JobListQuery.cursor(tenant: $0.tenant, slug: $0.slug, listing: query.tenant) } : nil
        let body = render(rows, query: query, next: next, principal: principal)
        return console.page(context, title: "Jobs", section: .jobs, body: body)
    }

    func render(_ rows: [JobsRepository.ConsoleRow], query: Query, next: String?, principal: Principal) -> HTML {
        let showTenant = query.tenant == nil
        let states: [(JobsRepository.ConsoleState, String)] = [(.all, "All"), (.enabled, "Enabled"), (.paused, "Paused"), (.failing, "Failing")]
        let filtered = !query.search.isEmpty || query.state != .all
        let table: [HTML] = rows.map { row($0, showTenant: showTenant, principal: principal) }
        return """
            <div class="page-head"><h1>Jobs</h1>\(HTML.when(principal.role >= .admin, "<a class=\"button\" id=\"new-job\" href=\"/ui/jobs/new\(query.tenantParameter.map { JobPage.tenantQuery($0, principal) } ?? "")\">New job</a>"))</div>
            <form id="jobs-search" method="get" action="/ui/jobs" role="search" class="filters">
              \(query.tenantParameter.map { "<input type=\"hidden\" name=\"tenant\" value=\"\($0)\">" as HTML })
              <label for="jobs-q" class="visually-hidden">Search by slug</label>
              <input type="search" id="jobs-q" name="q" value="\(query.search)" placeholder="Search by slug" autocomplete="off">
              <label for="jobs-state" class="visually-hidden">State</label>
              <select id="jobs-state" name="state">\(states.map { "<option value=\"\($0.0.rawValue)\"\(HTML.when($0.0 == query.state, " selected"))>\($0.1)</option>" as HTML })</select>
              <button type="submit">Filter</button>
              \(HTML.when(filtered, "<a href=\"\(query.cleared.link(after: nil))\">Clear</a>"))
            </form>
            <div class="table-wrap"><table id="jobs-table">
              <thead><tr>\(HTML.when(showTenant, "<th>Tenant</th>"))<th>Job</th><th>Schedule</th><th>Next fire</th><th>Last \(Self.stripRuns) runs</th><th>Owner</th></tr></thead>
              <tbody>\(table.isEmpty ? ["<tr><td colspan=\"6\" class=\"muted\" id=\"jobs-empty\">\(filtered ? "No job matches." : "No jobs yet.")</td></tr>"] : table)</tbody>
            </table></div>
            <nav class="pager" aria-label="Pages">\
            \(HTML.when(query.after != nil, "<a href=\"\(query.link(after: nil))\" id=\"first-page\">First page</a>"))\
            \(next.map { "<a href=\"\(query.link(after: $0))\" id=\"next-page\" rel=\"next\">Next page</a>" as HTML })</nav>
            """
    }

    func row(_ job: JobsRepository.ConsoleRow, showTenant: Bool, principal: Principal) -> HTML {
        let schedule = try? Schedule(parsing: job.schedule)
        let marks: [HTML] = job.strip.reversed().map { run in
            let title = "\(run.status) · \(run.trigger) · scheduled \(run.scheduled)\(run.attempt > 1 ? " · attempt \(run.attempt)" : "")"
            return "<i class=\"s-\(run.status)\" title=\"\(title)\"></i>"
        }
        let badges: HTML = """
            \(HTML.when(!job.enabled, " <span class=\"status s-paused\">paused</span>"))\
            \(HTML.when(job.unauthorizedAt != nil, " <span class=\"status s-failed\" title=\"its owner's token no longer covers it\">unauthorized</span>"))
            """
        return """
            <tr data-slug="\(job.slug)">\(HTML.when(showTenant, "<td>\(job.tenant)</td>"))\
            <td><a href="\(JobPage.path(job.slug, tenant: job.tenant, principal))">\(job.slug)</a>\(badges)</td>\
            <td>\(schedule?.humanDescription ?? job.schedule) <small class="muted"><code>\(job.schedule)</code> · \(job.timezone)</small></td>\
            <td>\(job.enabled ? ConsoleText.time(job.nextFireAt) : "<span class=\"muted\">paused</span>")</td>\
            <td><span class="strip" role="img" aria-label="last \(job.strip.count) runs">\(marks)</span>\(HTML.when(job.strip.isEmpty, "<span class=\"muted\">no runs</span>"))</td>\
            <td>\(job.owner ?? "—")</td></tr>
            """
    }
}
