import Hummingbird

/// `/ui/jobs`: every job, paged and searchable.
struct JobsPage: Sendable {
    let console: Console

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("jobs") { request, context in try await page(request, context) }
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try console.require(.viewer, context)
        return console.page(context, title: "Jobs", section: .jobs, body: "<h1>Jobs</h1>")
    }
}
