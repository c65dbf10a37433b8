import Hummingbird
import KJobStore

/// Resolves `Authorization: Bearer` to a ``Principal`` (via ``TokenAuthenticator``, which caches an
/// answer for at most `tokenCacheTTL`, so a revoked or expired token is refused within that on every
/// node). Routes then require a role; the public ones (health, metrics, OpenAPI) skip this middleware.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let authenticator: TokenAuthenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthorized("missing Authorization header; send Authorization: Bearer <token>")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized("the Authorization header must be \"Bearer <token>\"")
        }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        let record: TokenRecord
        switch try await authenticator.resolve(token) {
        case .malformed:
            throw Problem.unauthorized("malformed token: kjobd's tokens are \(APIToken.prefix) and 43 base64url characters; create one with kjobd token create")
        case .unknown:
            throw Problem.unauthorized("unknown token")
        case .found(let found):
            record = found
        }
        var context = context
        context.principal = try Principal(token: record)
        return try await next(request, context)
    }
}
