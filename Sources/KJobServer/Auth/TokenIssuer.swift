import Foundation
import KJobCore
import KJobStore
import Logging
import PostgresNIO

/// `kjobd token create`: makes a token, stores its hash, returns the token (shown once).
public struct TokenIssuer: Sendable {
    public let repository: TokensRepository

    public init(repository: TokensRepository) {
        self.repository = repository
    }

    public func create(name: String, role: String, tenant: String?) async throws -> (token: String, record: TokenRecord) {
        guard !name.isEmpty, name.count <= 128, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
            throw TokenIssueError(message: "token name \"\(name)\" must be 1-128 letters, digits, - _ . or @")
        }
        guard Role(rawValue: role) != nil else {
            throw TokenIssueError(message: "role \"\(role)\" is not one of viewer, operator, admin")
        }
        if let tenant, !TenantName.isValid(tenant) {
            throw TokenIssueError(message: "tenant \"\(tenant)\" must match ^[a-z0-9][a-z0-9-]{0,62}$")
        }
        let token = APIToken.generate()
        switch try await repository.create(name: name, role: role, tenant: tenant, hash: APIToken.hash(token)) {
        case .created(let record): return (token, record)
        case .nameTaken: throw TokenIssueError(message: "a token named \"\(name)\" exists already; pick another name")
        }
    }
}

/// A token could not be issued.
public struct TokenIssueError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Tenant names follow the slug rule.
public enum TenantName {
    public static let `default` = "default"
    public static func isValid(_ text: String) -> Bool { Slug.isValid(text) }
}
