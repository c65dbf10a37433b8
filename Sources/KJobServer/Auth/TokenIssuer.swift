import Foundation
import KJobCore
import KJobStore
import Logging
import PostgresNIO

/// Makes tokens (`kjobd token create`, `POST /v1/tokens`): checks the input, stores the hash,
/// returns the token (shown once).
public struct TokenIssuer: Sendable {
    public let repository: TokensRepository

    public init(repository: TokensRepository) {
        self.repository = repository
    }

    /// Longest accepted lifetime (`--expires`).
    public static let maxLifetime: Duration = .seconds(10 * 365 * 86_400)

    /// `expires` is a duration from `now` such as `90d` (nil: never). `actor` is recorded in the audit.
    public func create(
        name: String, role: String, tenant: String?, expires: String? = nil, actor: String,
        now: Date = Date()
    ) async throws -> (token: String, record: TokenRecord) {
        guard Self.isValidName(name) else {
            throw TokenIssueError(message: "token name \"\(name.prefix(140))\" must be 1-128 letters, digits, - _ . or @", field: "name")
        }
        guard Role(rawValue: role) != nil else {
            throw TokenIssueError(message: "role \"\(role.prefix(40))\" is not one of viewer, operator, admin", field: "role")
        }
        if let tenant, !TenantName.isValid(tenant) {
            throw TokenIssueError(message: "tenant \"\(tenant.prefix(80))\" must match ^[a-z0-9][a-z0-9-]{0,62}$", field: "tenant")
        }
        var expiresAt: Date?
        if let expires {
            let lifetime: Duration
            do { lifetime = try DurationText.parse(expires) } catch {
                throw TokenIssueError(message: "expires \"\(expires.prefix(40))\" is not a duration such as 90d or 12h: \(error)", field: "expires")
            }
            guard lifetime > .zero, lifetime <= Self.maxLifetime else {
                throw TokenIssueError(message: "expires must be more than 0 and at most 3650d", field: "expires")
            }
            expiresAt = now.addingTimeInterval(lifetime.timeInterval)
        }
        let token = APIToken.generate()
        switch try await repository.create(name: name, role: role, tenant: tenant, hash: APIToken.hash(token), expiresAt: expiresAt, actor: actor) {
        case .created(let record): return (token, record)
        case .nameTaken:
            throw TokenIssueError(
                message: "a token named \"\(name)\" exists already (names are never reused, even revoked); pick another name",
                field: "name", isConflict: true)
        }
    }

    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name.allSatisfy { $0.isLetter || $0.isNumber || "-_.@".contains($0) }
    }

    /// Who runs `kjobd token …` on this host, for the audit: the user behind sudo, else the login user.
    public static func localActor(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        for key in ["SUDO_USER", "USER", "LOGNAME"] {
            if let name = environment[key], !name.isEmpty { return name }
        }
        return NSUserName()
    }
}

/// A token could not be issued.
public struct TokenIssueError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    /// The input at fault (`name`, `role`, `tenant`, `expires`).
    public var field: String
    /// The name is taken (409 in the API) rather than malformed.
    public var isConflict = false
    public var description: String { message }
}

/// Tenant names follow the slug rule.
public enum TenantName {
    public static let `default` = "default"
    public static func isValid(_ text: String) -> Bool { Slug.isValid(text) }
}
