import Hummingbird

/// `/ui/jobs/{slug}`: spec, owner, actions, upcoming fires, run history and its chart.
struct JobPage: Sendable {
    let console: Console

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("jobs/{slug}") { request, context in try await page(request, context) }
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try console.require(.viewer, context)
        let slug = try JobRoutes.slug(context)
        return console.page(context, title: slug, section: .jobs, body: "<h1>\(slug)</h1>")
    }
}
