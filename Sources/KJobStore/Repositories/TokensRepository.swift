import Foundation
import Logging
import PostgresNIO

/// API tokens by hash (hashing is the caller's: KJobServer's `TokenHash`).
public struct TokensRepository: StoreRepository {
    public enum CreateResult: Sendable, Hashable {
        case created(TokenRecord)
        case nameTaken
    }

    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    public func create(name: String, role: String, tenant: String?, hash: [UInt8]) async throws -> CreateResult {
        let id = UUID()
        var created: TokenRecord?
        for try await (createdAt) in try await client.query("""
            INSERT INTO \(unescaped: names.schema).api_tokens (id, name, hash, role, tenant)
            VALUES (\(id), \(name), \(ByteBuffer(bytes: hash)), \(role), \(tenant))
            ON CONFLICT (name) DO NOTHING RETURNING created_at
            """, logger: logger).decode(Date.self) {
            created = TokenRecord(id: id, name: name, role: role, tenant: tenant, createdAt: createdAt, revokedAt: nil)
        }
        return created.map { .created($0) } ?? .nameTaken
    }

    /// The token with this hash, revoked or not (the caller rejects revoked ones).
    public func find(hash: [UInt8]) async throws -> TokenRecord? {
        var result: TokenRecord?
        for try await (id, name, role, tenant, createdAt, revokedAt) in try await client.query("""
            SELECT id, name, role, tenant, created_at, revoked_at FROM \(unescaped: names.schema).api_tokens WHERE hash = \(ByteBuffer(bytes: hash))
            """, logger: logger).decode((UUID, String, String, String?, Date, Date?).self) {
            result = TokenRecord(id: id, name: name, role: role, tenant: tenant, createdAt: createdAt, revokedAt: revokedAt)
        }
        return result
    }

    /// Marks the named token revoked; false when there is none.
    public func revoke(name: String) async throws -> Bool {
        var found = false
        for try await _ in try await client.query("""
            UPDATE \(unescaped: names.schema).api_tokens SET revoked_at = COALESCE(revoked_at, clock_timestamp())
            WHERE name = \(name) RETURNING id
            """, logger: logger).decode(UUID.self) {
            found = true
        }
        return found
    }
}
