import Hummingbird

/// `/ui/jobs/new` and `/ui/jobs/{slug}/edit`, with the live schedule preview (`/ui/preview`).
struct JobFormPage: Sendable {
    let console: Console

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("jobs/new") { request, context in try await page(request, context) }
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try console.require(.admin, context)
        return console.page(context, title: "New job", section: .jobs, body: "<h1>New job</h1>")
    }
}
