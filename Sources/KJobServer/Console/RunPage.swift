import Hummingbird

/// `/ui/runs/{id}`: the run's timeline, its live log, the dispatch and its deliveries.
struct RunPage: Sendable {
    let console: Console

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("runs/{id}") { request, context in try await page(request, context) }
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try console.require(.viewer, context)
        return console.page(context, title: "Run", section: .jobs, body: "<h1>Run</h1>")
    }
}
