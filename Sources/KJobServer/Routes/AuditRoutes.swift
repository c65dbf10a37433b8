import Foundation
import Hummingbird
import KJobCore
import KJobStore

/// `GET /v1/audit`: the audit log, newest first, scoped like `/v1/jobs` (a tenant token sees only
/// its tenant's entries; one without a tenant sees every entry, or `?tenant=`'s).
struct AuditRoutes: Sendable {
    static let defaultLimit = 100
    static let maxLimit = 1000

    let dependencies: APIDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("audit") { request, context in try await list(request, context) }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.viewer)
        let filter = try Self.filter(request, tenant: try TenantScope.listing(principal, request))
        let (entries, more) = try await dependencies.audit.page(filter)
        let next = more ? entries.last.map { String($0.id) } : nil
        return try APIJSON.response(AuditListBody(entries: entries.map(AuditEntryBody.init), next: next))
    }

    /// `job`, `action`, `since`, `limit` and the `after` cursor (the previous page's `next`).
    static func filter(_ request: Request, tenant: String?) throws -> AuditRepository.Filter {
        let query = request.uri.queryParameters
        var filter = AuditRepository.Filter()
        filter.tenant = tenant
        filter.limit = try ListLimit.parse(request, default: defaultLimit, max: maxLimit)
        if let job = query.get("job") {
            guard Slug.isValid(job) else {
                throw Problem.badRequest("job \"\(job.prefix(80))\" must be a job slug (^[a-z0-9][a-z0-9-]{0,62}$)", field: "job")
            }
            filter.job = job
        }
        if let text = query.get("action") {
            guard let action = AuditAction(rawValue: text) else {
                throw Problem.badRequest(
                    "action \"\(text.prefix(40))\" is not one of \(AuditAction.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: "action")
            }
            filter.action = action
        }
        if let text = query.get("since") {
            do { filter.since = try RFC3339.parse(text).date } catch {
                throw Problem.badRequest("since must be an RFC 3339 time such as 2026-01-02T03:04:05Z", field: "since")
            }
        }
        if let text = query.get("after") {
            guard let id = Int64(text), id > 0 else {
                throw Problem.badRequest("after \"\(text.prefix(40))\" must be a positive integer: the previous page's next", field: "after")
            }
            filter.before = id
        }
        return filter
    }
}
