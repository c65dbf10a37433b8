import Foundation
import Hummingbird
import KJobStore

/// Resolves `Authorization: Bearer` to a ``Principal`` (hash lookup on every request, so a revoked or
/// expired token is refused at once).
/// Routes then require a role; the public ones (health, metrics, OpenAPI) skip this middleware.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let tokens: TokensRepository

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthorized("missing Authorization header; send Authorization: Bearer <token>")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized("the Authorization header must be \"Bearer <token>\"")
        }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard APIToken.looksValid(token), let record = try await tokens.find(hash: APIToken.hash(token)) else {
            throw Problem.unauthorized("unknown token")
        }
        guard record.revokedAt == nil else { throw Problem.unauthorized("token \"\(record.name)\" was revoked") }
        if let expiresAt = record.expiresAt, expiresAt <= Date() {
            throw Problem.unauthorized("token \"\(record.name)\" expired at \(APIJSON.timestamp(expiresAt)); ask an admin for a new one")
        }
        guard let role = Role(rawValue: record.role) else { throw Problem.unauthorized("token has an unknown role") }
        var context = context
        context.principal = Principal(tokenName: record.name, role: role, tenant: record.tenant)
        return try await next(request, context)
    }
}
