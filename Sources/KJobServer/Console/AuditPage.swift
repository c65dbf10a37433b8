import Hummingbird

/// `/ui/audit`: the audit log with filters.
struct AuditPage: Sendable {
    let console: Console

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("audit") { request, context in try await page(request, context) }
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try console.require(.viewer, context)
        return console.page(context, title: "Audit", section: .audit, body: "<h1>Audit</h1>")
    }
}
