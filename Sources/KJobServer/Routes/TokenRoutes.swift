import Foundation
import Hummingbird
import KJobStore

/// `/v1/tokens`: list, create and revoke API tokens (admin). A tenant admin sees and touches only
/// its tenant's tokens and creates tokens of its tenant only. The secret is shown once, at creation.
struct TokenRoutes: Sendable {
    let dependencies: APIDependencies
    let configuration: APIConfiguration
    /// Forgets a revoked token's cached answer, so this node refuses it from the next request on.
    let authenticator: TokenAuthenticator

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("tokens") { request, context in try await list(request, context) }
        group.post("tokens") { request, context in try await create(request, context) }
        group.delete("tokens/{name}") { request, context in try await revoke(request, context) }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let tokens = try await dependencies.tokens.list(tenant: TenantScope.listing(principal, request))
        return try APIJSON.response(TokenListBody(tokens: tokens.map { TokenBody(record: $0) }))
    }

    /// Body `{"name", "role", "tenant"?, "expires"?}`; 201 with the token, shown only in this answer.
    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let example = #"{"name": "ci", "role": "operator", "expires": "90d"}"#
        guard
            let body = try await JSONBody.read(
                request, keys: ["name", "role", "tenant", "expires"], limit: configuration.maxBodyBytes,
                example: example)
        else {
            throw Problem.badRequest("send the token to create as JSON, e.g. \(example)")
        }
        guard let name = try body.string("name") else { throw Problem.badRequest("name is required", field: "name") }
        guard let role = try body.string("role") else { throw Problem.badRequest("role is required: viewer, operator or admin", field: "role") }
        var tenant = try body.string("tenant")
        if let own = principal.tenant {
            guard tenant == nil || tenant == own else {
                throw Problem.forbidden("token \"\(principal.tokenName)\" is scoped to tenant \"\(own)\"; it creates tokens of that tenant only")
            }
            tenant = own
        }
        let issuer = TokenIssuer(repository: dependencies.tokens)
        do {
            let (token, record) = try await issuer.create(
                name: name, role: role, tenant: tenant, expires: try body.string("expires"),
                actor: principal.tokenName)
            return try APIJSON.response(TokenBody(record: record, token: token), status: .created)
        } catch let error as TokenIssueError {
            if error.isConflict { throw Problem.conflict(error.message) }
            throw Problem.badRequest(error.message, field: error.field)
        }
    }

    /// Revokes the named token: refused from the next request on. 404 for an unknown name (or one
    /// of another tenant); revoking a revoked token changes nothing. A token cannot revoke itself
    /// here (409), so an admin cannot lock itself out by mistake.
    func revoke(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let name = context.parameters.get("name") ?? ""
        guard TokenIssuer.isValidName(name) else {
            throw Problem.badRequest("token name \"\(name.prefix(140))\" must be 1-128 letters, digits, - _ . or @", field: "name")
        }
        guard name != principal.tokenName else {
            throw Problem.conflict("token \"\(name)\" cannot revoke itself; use another admin token, or kjobd token revoke \(name) on a node")
        }
        switch try await dependencies.tokens.revoke(name: name, tenant: principal.tenant, actor: principal.tokenName) {
        case .revoked(let record), .alreadyRevoked(let record):
            authenticator.forget(name: record.name)
            return try APIJSON.response(TokenBody(record: record))
        case .notFound:
            let scope = principal.tenant.map { " in tenant \"\($0)\"" } ?? ""
            throw Problem.notFound("no token named \"\(name)\"\(scope); GET /v1/tokens (kjobd token list) shows the tokens")
        }
    }
}
