import Foundation
import Hummingbird
import KJobStore

/// `/ui/login` and `/ui/logout`. Signing in trades an API token for a session cookie; the token
/// itself is never stored in the browser.
struct LoginPage: Sendable {
    let console: Console

    func add(public group: RouterGroup<APIRequestContext>, session sessionGroup: RouterGroup<APIRequestContext>) {
        group.get("login") { request, context in try await form(request, context) }
        group.post("login") { request, context in try await login(request, context) }
        sessionGroup.post("logout") { request, context in try await logout(request, context) }
    }

    /// Only paths inside the console: a `next` elsewhere would make the form an open redirect.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/ui/"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.contains("/ui/login"), !next.contains("/ui/events/")
        else { return "/ui/" }
        return next
    }

    func form(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        render(next: Self.safeNext(request.uri.queryParameters.get("next")), error: nil, status: .ok, context)
    }

    func render(next: String, error: String?, status: HTTPResponse.Status, _ context: APIRequestContext) -> Response {
        let invalid: HTML = error == nil ? "" : " aria-invalid=\"true\" aria-describedby=\"login-error\""
        let body: HTML = """
            <section class="login card">
              <h1>Sign in to kjob</h1>
              <p class="muted">Paste an API token (<code>kjobd token create</code> makes one). The console keeps a
              session cookie, valid on both nodes; the token is not stored in the browser.</p>
              <form method="post" action="/ui/login" id="login-form">
                <input type="hidden" name="next" value="\(next)">
                <label for="token">API token</label>
                <input type="password" id="token" name="token" autocomplete="off" required autofocus\(invalid)>
                \(error.map { "<p class=\"field-error\" id=\"login-error\" role=\"alert\">\($0)</p>" as HTML })
                <p><button type="submit">Sign in</button></p>
              </form>
            </section>
            """
        return Console.html(
            ConsoleLayout.page(
                title: "Sign in", section: .none, session: nil,
                nodeID: console.configuration.nodeID, body: body), status: status)
    }

    func login(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try ConsoleSessionMiddleware.checkOrigin(request, tls: console.configuration.tlsEnabled)
        let form = try await console.form(request)
        let next = Self.safeNext(form["next"])
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let record: TokenRecord
        switch try await console.authenticator.resolve(token) {
        case .malformed:
            return render(
                next: next,
                error: token.isEmpty ? "Enter a token." : "That is not a kjob token: they start with \(APIToken.prefix) and have 43 more characters.",
                status: .unauthorized, context)
        case .unknown:
            return render(
                next: next, error: "Unknown token: check it was copied whole, or ask an admin for one.",
                status: .unauthorized, context)
        case .found(let found):
            record = found
        }
        do {
            _ = try Principal(token: record)
        } catch {
            return render(next: next, error: "This token cannot sign in: \(error.detail).", status: .unauthorized, context)
        }
        let id = APIToken.randomSecret()
        try await console.dependencies.sessions.create(
            idHash: APIToken.hash(id), token: record, csrf: APIToken.randomSecret(),
            idle: console.configuration.sessionIdle, note: "signed in on node \(console.configuration.nodeID)")
        return Console.redirect(next, headers: [.setCookie: ConsoleSession.setCookie(id, secure: console.configuration.tlsEnabled)])
    }

    func logout(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        if let session = context.consoleSession {
            try await console.dependencies.sessions.delete(
                idHash: session.idHash, actor: session.principal.tokenName, tenant: session.principal.tenant,
                note: "signed out on node \(console.configuration.nodeID)")
        }
        return Console.redirect("/ui/login", headers: [.setCookie: ConsoleSession.setCookie(nil, secure: console.configuration.tlsEnabled)])
    }
}
