import Foundation
import Hummingbird
import KJobStore

/// Resolves the session cookie to a ``Principal`` on every request (so a logout, a revoked or
/// expired token, or `http.session_idle` without requests ends it on both nodes at once), and
/// refuses a POST whose `_csrf` field is not the session's or whose `Origin` is another site's.
struct ConsoleSessionMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let sessions: ConsoleSessionsRepository
    let configuration: APIConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let id = ConsoleSession.id(in: request.headers) else {
            throw Problem.unauthorized("sign in with an API token first (/ui/login)")
        }
        let idHash = APIToken.hash(id)
        guard let found = try await sessions.find(idHash: idHash, idle: configuration.sessionIdle) else {
            throw Problem.unauthorized("your session ended (signed out, or idle too long); sign in again")
        }
        var context = context
        let principal = try Principal(token: found.token)
        context.principal = principal
        context.consoleSession = ConsoleSession(idHash: idHash, csrf: found.csrf, principal: principal)
        var request = request
        if request.method == .post {
            try Self.checkOrigin(request, tls: configuration.tlsEnabled)
            // Collected once here; the handler reads the buffered body again.
            let body = try await request.collectBody(upTo: configuration.maxBodyBytes)
            let form = ConsoleForm(parsing: String(decoding: body.readableBytesView, as: UTF8.self))
            guard let posted = form["_csrf"], ConsoleSession.constantTimeEqual(posted, found.csrf) else {
                throw Problem(
                    .forbidden, code: "csrf", title: "Form expired",
                    detail: "this form was not issued by this session (or it expired); reload the page and submit it again")
            }
        }
        return try await next(request, context)
    }

    /// A browser names the page a POST came from in `Origin`; another site's is refused.
    static func checkOrigin(_ request: Request, tls: Bool) throws {
        guard let origin = request.headers[.origin] else { return }
        let host = request.head.authority ?? ""
        let expected = (tls ? "https://" : "http://") + host
        guard origin == expected else {
            throw Problem(
                .forbidden, code: "cross-origin", title: "Cross-site request refused",
                detail: "this form was posted from \(origin), not from this console (\(expected))")
        }
    }
}
