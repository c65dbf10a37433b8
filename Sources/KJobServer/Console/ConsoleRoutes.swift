import Hummingbird
import KJobStore

/// The web console under `/ui` (issue #14): server-rendered pages over the same repositories and
/// role checks as the API, live regions over Server-Sent Events. Both nodes serve it.
struct ConsoleRoutes: Sendable {
    let console: Console

    func add(to router: Router<APIRequestContext>) {
        let ui = router.group("ui").add(middleware: ConsoleMiddleware(configuration: console.configuration))
        ui.get("assets/{file}") { request, _ in
            guard let file = ConsoleAssets.files[request.uri.path] else {
                throw Problem.notFound("no console asset \(request.uri.path); reload the page to get the current ones")
            }
            return Response(
                status: .ok, headers: [.contentType: file.contentType, .cacheControl: "public, max-age=31536000, immutable"],
                body: .init(byteBuffer: ByteBuffer(string: file.body)))
        }
        let pages = ui.group().add(
            middleware: ConsoleSessionMiddleware(
                sessions: console.dependencies.sessions,
                configuration: console.configuration))
        LoginPage(console: console).add(public: ui, session: pages)
        OverviewPage(console: console).add(to: pages)
        JobsPage(console: console).add(to: pages)
        JobFormPage(console: console).add(to: pages)
        JobPage(console: console).add(to: pages)
        RunPage(console: console).add(to: pages)
        AuditPage(console: console).add(to: pages)
    }
}
