import Hummingbird
import Logging
import NIOCore

/// Turns every error into `application/problem+json`, so no input yields a bare 500 or an empty body.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try Problem.tooLarge(limit: maxBodyBytes).response(from: request, context: context)
        } catch let error as HTTPError {
            let problem: Problem =
                switch error.status {
                case .notFound: .notFound("no route for \(request.method) \(request.uri.path); see /v1/openapi.yaml")
                case .methodNotAllowed:
                    Problem(
                        .methodNotAllowed, code: "method-not-allowed", title: "Method not allowed",
                        detail: "\(request.method) is not allowed on \(request.uri.path)")
                default:
                    Problem(
                        error.status, code: "http-\(error.status.code)", title: error.status.reasonPhrase,
                        detail: error.body ?? error.status.reasonPhrase)
                }
            return try problem.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let problem = Problem(
                error.status, code: "http-\(error.status.code)", title: error.status.reasonPhrase,
                detail: error.status.reasonPhrase)
            return try problem.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            let problem = Problem(
                .serviceUnavailable, code: "unavailable", title: "Service unavailable",
                detail: "the request could not be completed (database unavailable?); retry, or try the other node")
            return try problem.response(from: request, context: context)
        }
    }
}
