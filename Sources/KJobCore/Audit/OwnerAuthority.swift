import Foundation

/// Whether a job's owner — the token that last created or replaced it — still lets it fire
/// (DESIGN §12). Checked for every due job at each materializer pass.
///
/// Firing is what an operator may do by hand (run-now), so the owner must still be an operator or
/// admin token, unrevoked, unexpired, and scoped to the job's tenant (or to every tenant). A job
/// without an owner (created before owners were recorded) keeps firing.
public enum OwnerAuthority {
    /// The owner token as stored.
    public struct Token: Hashable, Sendable {
        public var name: String
        public var role: String
        /// Nil: every tenant.
        public var tenant: String?
        public var revokedAt: Date?
        public var expiresAt: Date?

        public init(name: String, role: String, tenant: String?, revokedAt: Date?, expiresAt: Date?) {
            self.name = name
            self.role = role
            self.tenant = tenant
            self.revokedAt = revokedAt
            self.expiresAt = expiresAt
        }
    }

    /// Why the owner no longer covers the job.
    public enum Denial: Hashable, Sendable, CustomStringConvertible {
        case missing(token: String)
        case revoked(token: String)
        case expired(token: String, at: Date)
        case role(token: String, role: String)
        case tenant(token: String, tenant: String)

        public var description: String {
            switch self {
            case .missing(let token): return "owner token \"\(token)\" no longer exists"
            case .revoked(let token): return "owner token \"\(token)\" was revoked"
            case .expired(let token, let at): return "owner token \"\(token)\" expired at \(RFC3339.format(at, offsetSeconds: 0))"
            case .role(let token, let role): return "owner token \"\(token)\" has role \(role); firing needs operator or admin"
            case .tenant(let token, let tenant): return "owner token \"\(token)\" is scoped to tenant \"\(tenant)\""
            }
        }
    }

    /// Roles that may own a firing job.
    public static let firingRoles: Set<String> = ["operator", "admin"]

    /// Nil when the job may fire; otherwise why not. `token` is the row named `owner`, nil when none.
    public static func denial(owner: String?, token: Token?, jobTenant: String, now: Date) -> Denial? {
        guard let owner else { return nil }
        guard let token else { return .missing(token: owner) }
        if token.revokedAt != nil { return .revoked(token: owner) }
        if let expiresAt = token.expiresAt, expiresAt <= now { return .expired(token: owner, at: expiresAt) }
        if !firingRoles.contains(token.role) { return .role(token: owner, role: token.role) }
        if let tenant = token.tenant, tenant != jobTenant { return .tenant(token: owner, tenant: tenant) }
        return nil
    }
}
