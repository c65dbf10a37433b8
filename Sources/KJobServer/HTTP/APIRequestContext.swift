import Hummingbird

/// Per-request state: the authenticated caller, once the auth middleware has run.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The web console's session, when the request came through its session middleware.
    public var consoleSession: ConsoleSession?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
        consoleSession = nil
    }

    /// The caller, when it has at least `role`; 401/403 otherwise.
    func require(_ role: Role) throws -> Principal {
        guard let principal else { throw Problem.unauthorized("send Authorization: Bearer <token>; create one with kjobd token create") }
        guard principal.role >= role else {
            throw Problem.forbidden("token \"\(principal.tokenName)\" has role \(principal.role.rawValue); this needs \(role.rawValue) or higher")
        }
        return principal
    }
}
