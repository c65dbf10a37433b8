import Foundation
import Hummingbird
import KJobCore
import KJobStore

/// `/ui/audit`: the audit log, newest first, filtered by action, actor and job and paged like
/// `GET /v1/audit` (the same repository call and tenant scope).
struct AuditPage: Sendable {
    static let pageSize = 50

    let console: Console

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("audit") { request, context in try await page(request, context) }
    }

    /// The query as the form sends it: empty fields mean no filter.
    struct Query: Sendable {
        var action = ""
        var actor = ""
        var job = ""

        init(_ request: Request) {
            let query = request.uri.queryParameters
            func field(_ name: String) -> String { (query.get(name).map { String($0) } ?? "").trimmingCharacters(in: .whitespaces) }
            action = field("action")
            actor = field("actor")
            job = field("job")
        }

        /// The repository filter, or the reasons the query is not one.
        func filter(tenant: String?, after: String) -> (AuditRepository.Filter, [String]) {
            var filter = AuditRepository.Filter()
            var errors: [String] = []
            filter.tenant = tenant
            filter.limit = AuditPage.pageSize
            if !action.isEmpty {
                if let parsed = AuditAction(rawValue: action) {
                    filter.action = parsed
                } else {
                    errors.append("action \"\(action.prefix(40))\" is not one of the listed actions")
                }
            }
            if !actor.isEmpty { filter.actor = String(actor.prefix(200)) }
            if !job.isEmpty {
                if Slug.isValid(job) {
                    filter.job = job
                } else {
                    errors.append("job \"\(job.prefix(80))\" is not a job slug (lower-case letters, digits and dashes)")
                }
            }
            if !after.isEmpty {
                if let id = Int64(after), id > 0 {
                    filter.before = id
                } else {
                    errors.append("after must be the id of the last entry of the previous page; start again from the newest")
                }
            }
            return (filter, errors)
        }

        func link(after: Int64?) -> String {
            var items: [URLQueryItem] = []
            if !action.isEmpty { items.append(URLQueryItem(name: "action", value: action)) }
            if !actor.isEmpty { items.append(URLQueryItem(name: "actor", value: actor)) }
            if !job.isEmpty { items.append(URLQueryItem(name: "job", value: job)) }
            if let after { items.append(URLQueryItem(name: "after", value: String(after))) }
            var components = URLComponents()
            components.path = "/ui/audit"
            components.queryItems = items.isEmpty ? nil : items
            return components.string ?? "/ui/audit"
        }
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.viewer, context)
        let tenant = try TenantScope.listing(principal, request)
        let query = Query(request)
        let after = request.uri.queryParameters.get("after").map { String($0) } ?? ""
        let (filter, errors) = query.filter(tenant: tenant, after: after)
        var entries: [AuditRecord] = []
        var more = false
        if errors.isEmpty { (entries, more) = try await console.dependencies.audit.page(filter) }
        let notice: HTML = errors.isEmpty ? "" : HTML.join(errors.map { "<p class=\"notice bad\" role=\"alert\">\($0)</p>" })
        let options = HTML.join(
            ([""] + AuditAction.allCases.map(\.rawValue)).map { action in
                "<option value=\"\(action)\"\(HTML.when(action == query.action, " selected"))>\(action.isEmpty ? "any action" : action)</option>"
            })
        let rows = HTML.join(entries.map(Self.row))
        let pager: HTML = """
            <p class="pager">\(HTML.when(filter.before != nil, "<a href=\"\(query.link(after: nil))\">Newest</a>"))\
            \(HTML.when(more, "<a href=\"\(query.link(after: entries.last?.id))\" rel=\"next\" id=\"audit-older\">Older entries</a>"))</p>
            """
        let body: HTML = """
            <h1>Audit log</h1>
            <form method="get" action="/ui/audit" id="audit-filter" class="filters">
              <div><label for="audit-action">Action</label><select id="audit-action" name="action">\(options)</select></div>
              <div><label for="audit-actor">Actor</label><input type="text" id="audit-actor" name="actor" value="\(query.actor)" placeholder="token name, or kjobd"></div>
              <div><label for="audit-job">Job</label><input type="text" id="audit-job" name="job" value="\(query.job)" placeholder="job slug"></div>
              <p><button type="submit">Filter</button> <a href="/ui/audit">Clear</a></p>
            </form>
            \(notice)
            <div class="table-wrap"><table id="audit-table">
              <thead><tr><th>At (UTC)</th><th>Actor</th><th>Action</th><th>Job</th><th class="hide-narrow">Run</th><th>Note</th></tr></thead>
              <tbody>\(rows)</tbody>
            </table></div>
            \(HTML.when(entries.isEmpty && errors.isEmpty, "<p class=\"muted\" id=\"audit-empty\">No entries match.</p>"))
            \(pager)
            """
        return console.page(context, title: "Audit", section: .audit, body: body)
    }

    static func row(_ entry: AuditRecord) -> HTML {
        let job: HTML = entry.job.map { OverviewPage.jobLink($0, tenant: entry.tenant ?? TenantName.default) } ?? "—"
        let changes = HTML.join(
            entry.changes.map { change in
                "<li><code>\(change.field)</code>: \(change.from ?? "—") → \(change.to ?? "—")</li>"
            })
        return """
            <tr data-action="\(entry.action)" data-id="\(entry.id)"><td>\(ConsoleText.time(entry.at))</td><td>\(entry.actor)</td>\
            <td><code>\(entry.action)</code></td><td>\(job)</td><td class="hide-narrow">\(entry.run.map(ConsoleText.runLink) ?? "—")</td>\
            <td>\(entry.note ?? "")\(HTML.when(!entry.changes.isEmpty, "<ul class=\"changes\">\(changes)</ul>"))</td></tr>
            """
    }
}
