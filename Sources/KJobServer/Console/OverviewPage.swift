import Hummingbird

/// `/ui/`: the cluster, the last 24 h, what runs now, what fires next, the dispatch backlog;
/// live over `/ui/events/overview`.
struct OverviewPage: Sendable {
    let console: Console

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("") { request, context in try await page(request, context) }
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try console.require(.viewer, context)
        return console.page(context, title: "Overview", section: .overview, body: "<h1>Overview</h1>")
    }
}
