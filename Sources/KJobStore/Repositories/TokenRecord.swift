import Foundation

/// An API token as stored: never the token itself, only its SHA-256.
public struct TokenRecord: Sendable, Hashable {
    public var id: UUID
    public var name: String
    /// viewer, operator or admin.
    public var role: String
    /// Nil: every tenant.
    public var tenant: String?
    public var createdAt: Date
    public var revokedAt: Date?
    /// Nil: never expires.
    public var expiresAt: Date? = nil
    /// Updated at most once a minute (``TokensRepository/lastUsedResolution``).
    public var lastUsedAt: Date? = nil
}
