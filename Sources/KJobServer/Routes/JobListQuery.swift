import Hummingbird
import KJobCore
import KJobStore

/// Query parameters of `GET /v1/jobs`: `limit` and the `after` cursor.
///
/// The cursor is the last job of the previous page, as that page's `next` gives it: its slug
/// when the listing is one tenant's, `TENANT/SLUG` when it spans every tenant. Jobs added or
/// deleted between pages never shift a later page.
struct JobListQuery: Sendable, Hashable {
    static let defaultLimit = 500
    static let maxLimit = 1000

    var limit: Int
    var after: JobPosition?

    /// `tenant` is the listing's scope (nil = every tenant), which decides the cursor's form.
    init(_ request: Request, tenant: String?) throws {
        limit = try ListLimit.parse(request, default: Self.defaultLimit, max: Self.maxLimit)
        guard let text = request.uri.queryParameters.get("after") else { return }
        after = try Self.position(text, tenant: tenant)
    }

    static func position(_ text: String, tenant: String?) throws -> JobPosition {
        let shown = "\"\(text.prefix(140))\""
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2 {
            guard TenantName.isValid(parts[0]), Slug.isValid(parts[1]) else {
                throw Problem.badRequest(
                    "after \(shown) must be TENANT/SLUG or SLUG, each matching ^[a-z0-9][a-z0-9-]{0,62}$; pass the previous page's next", field: "after")
            }
            if let tenant, parts[0] != tenant {
                throw Problem.badRequest(
                    "after \(shown) names tenant \"\(parts[0])\" but this listing is tenant \"\(tenant)\"; pass the previous page's next", field: "after")
            }
            return JobPosition(tenant: parts[0], slug: parts[1])
        }
        guard Slug.isValid(text) else {
            throw Problem.badRequest("after \(shown) must be a job slug (^[a-z0-9][a-z0-9-]{0,62}$); pass the previous page's next", field: "after")
        }
        guard let tenant else {
            throw Problem.badRequest(
                "after \(shown) is a bare slug, but this listing spans every tenant; pass TENANT/SLUG as the previous page's next gives it", field: "after")
        }
        return JobPosition(tenant: tenant, slug: text)
    }

    /// The `next` of a page that ended at `job`.
    static func cursor(_ job: JobSummaryRow, tenant: String?) -> String {
        cursor(tenant: job.tenant, slug: job.slug, listing: tenant)
    }

    /// The `next` of a page that ended at job `slug` of `tenant`, in a listing of `listing` (nil = every tenant).
    static func cursor(tenant: String, slug: String, listing: String?) -> String {
        listing == nil ? "\(tenant)/\(slug)" : slug
    }
}
