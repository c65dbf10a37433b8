import Foundation
import Hummingbird
import KJobStore

/// What every console page needs: the store, the node's configuration, the token authenticator
/// (login) and the node's stream slots (shared with followed logs).
struct Console: Sendable {
    let dependencies: APIDependencies
    let configuration: APIConfiguration
    let authenticator: TokenAuthenticator
    let streams: ConcurrencyLimit

    /// A full page in the console's shell.
    func page(
        _ context: APIRequestContext, title: String, section: ConsoleLayout.Section, body: HTML,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        Self.html(
            ConsoleLayout.page(
                title: title, section: section, session: context.consoleSession,
                nodeID: configuration.nodeID, body: body), status: status)
    }

    static func html(_ html: HTML, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.text)))
    }

    /// 303 to `location` (after a form POST, so a reload does not post again).
    static func redirect(_ location: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// The caller, when it has at least `role` (the console's pages hide what a role lacks; this
    /// refuses it anyway).
    func require(_ role: Role, _ context: APIRequestContext) throws -> Principal {
        try context.require(role)
    }

    /// The posted form (the session middleware has already checked its CSRF field).
    func form(_ request: Request) async throws -> ConsoleForm {
        try await ConsoleForm.read(request, limit: configuration.maxBodyBytes)
    }

    /// A stream slot, or 429 when the node already serves `http.max_follow_streams` streams.
    func streamPermit() throws -> ConcurrencyLimit.Permit {
        guard let permit = streams.tryPermit() else {
            throw Problem(
                .tooManyRequests, code: "too-many-streams", title: "Too many live views",
                detail: "this node already serves \(streams.limit) live streams (http.max_follow_streams); "
                    + "reload later or raise the limit", headers: [.retryAfter: "5"])
        }
        return permit
    }
}
