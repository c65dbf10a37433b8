import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Every `/ui` response: errors become HTML pages (a page without a session redirects to the login
/// form), and the security headers are set, with `frame-ancestors` from `http.frame_ancestors`.
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let configuration: APIConfiguration

    var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors \(configuration.frameAncestors)"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let problem as Problem {
            response = errorResponse(problem, request, context)
        } catch is NIOTooManyBytesError {
            response = errorResponse(.tooLarge(limit: configuration.maxBodyBytes), request, context)
        } catch let error as HTTPError {
            response = errorResponse(
                Problem(
                    error.status, code: "http-\(error.status.code)", title: error.status.reasonPhrase,
                    detail: error.body ?? error.status.reasonPhrase), request, context)
        } catch {
            context.logger.error("console request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            response = errorResponse(
                Problem(
                    .serviceUnavailable, code: "unavailable", title: "Service unavailable",
                    detail: "the page could not be built (database unavailable?); reload, or try the other node"),
                request, context)
        }
        response.headers[.contentSecurityPolicy] = contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    private func errorResponse(_ problem: Problem, _ request: Request, _ context: Context) -> Response {
        if problem.status == .unauthorized, request.method == .get {
            let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            var headers = problem.headers
            headers[.wwwAuthenticate] = nil
            if context.consoleSession == nil, request.headers[.cookie] != nil {
                headers[.setCookie] = ConsoleSession.setCookie(nil, secure: configuration.tlsEnabled)
            }
            let query = "next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            var response = Console.redirect("/ui/login?\(query)", headers: headers)
            response.headers[.init("X-Kjob-Reason")!] = String(problem.detail.prefix(200))
            return response
        }
        var headers = problem.headers
        headers[.wwwAuthenticate] = nil
        let body: HTML = """
            <section class="error-page" id="error">
              <h1>\(problem.status.code) \(problem.title)</h1>
              <p id="error-detail">\(problem.detail)</p>
              \(HTML.join(problem.errors.map { error in "<p class=\"field-error\">\(error.field): \(error.message)</p>" }))
              <p><a href="/ui/">Back to the overview</a></p>
            </section>
            """
        return Console.html(
            ConsoleLayout.page(
                title: problem.title, section: .none, session: context.consoleSession,
                nodeID: configuration.nodeID, body: body),
            status: problem.status, headers: headers)
    }
}
