import Foundation
import KJobCore
import Logging
import PostgresNIO

/// API tokens by hash (hashing is the caller's: KJobServer's `APIToken`). Creating and revoking
/// are audited.
public struct TokensRepository: StoreRepository {
    public enum CreateResult: Sendable, Hashable {
        case created(TokenRecord)
        case nameTaken
    }

    public enum RevokeResult: Sendable, Hashable {
        case revoked(TokenRecord)
        /// Revoked before; nothing changed.
        case alreadyRevoked(TokenRecord)
        /// No such token (in the caller's tenant).
        case notFound
    }

    /// `last_used_at` is written at most this often per token, so authenticating stays one
    /// read-mostly query.
    public static let lastUsedResolution: Duration = .seconds(60)

    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    static let columns = "id, name, role, tenant, created_at, revoked_at, expires_at, last_used_at"

    static func records(_ rows: PostgresRowSequence) async throws -> [TokenRecord] {
        var result: [TokenRecord] = []
        for try await (id, name, role, tenant, created, revoked, expires, used) in rows.decode(
            (UUID, String, String, String?, Date, Date?, Date?, Date?).self)
        {
            result.append(
                TokenRecord(
                    id: id, name: name, role: role, tenant: tenant, createdAt: created, revokedAt: revoked,
                    expiresAt: expires, lastUsedAt: used))
        }
        return result
    }

    /// Stores a new token's hash in `actor`'s name (a token name, or the OS user of `kjobd token`).
    public func create(
        name: String, role: String, tenant: String?, hash: [UInt8], expiresAt: Date? = nil,
        actor: String
    ) async throws -> CreateResult {
        let schema = names.schema
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            let created = try await Self.records(
                connection.query(
                    """
                    INSERT INTO \(unescaped: schema).api_tokens (id, name, hash, role, tenant, expires_at)
                    VALUES (\(UUID()), \(name), \(ByteBuffer(bytes: hash)), \(role), \(tenant), \(expiresAt))
                    ON CONFLICT (name) DO NOTHING RETURNING \(unescaped: Self.columns)
                    """, logger: logger)
            ).first
            guard let created else { return .nameTaken }
            var note = "role \(role), tenant \(tenant ?? "all")"
            if let expiresAt { note += ", expires \(RFC3339.formatUTCMilliseconds(expiresAt))" }
            try await AuditLog.append(
                AuditEntry(actor: actor, tenant: tenant, action: .tokenCreate, note: "token \(name): \(note)"),
                schema: schema, on: connection, logger: logger)
            return .created(created)
        }
    }

    /// The token with this hash, revoked or expired or not (the caller refuses those). Stamps
    /// `last_used_at` in the same statement when it is older than ``lastUsedResolution``.
    public func find(hash: [UInt8]) async throws -> TokenRecord? {
        let schema = names.schema
        let resolutionMs = Self.lastUsedResolution.milliseconds
        return try await Self.records(
            client.query(
                """
                WITH hit AS (
                    SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).api_tokens WHERE hash = \(ByteBuffer(bytes: hash))
                ), touched AS (
                    UPDATE \(unescaped: schema).api_tokens t SET last_used_at = clock_timestamp() FROM hit
                     WHERE t.id = hit.id AND hit.revoked_at IS NULL
                       AND (hit.last_used_at IS NULL OR hit.last_used_at < clock_timestamp() - \(resolutionMs) * interval '1 millisecond')
                    RETURNING t.last_used_at
                )
                SELECT id, name, role, tenant, created_at, revoked_at, expires_at, COALESCE((SELECT last_used_at FROM touched), last_used_at)
                  FROM hit
                """, logger: logger)
        ).first
    }

    /// Every token of `tenant` (nil: every token), by name.
    public func list(tenant: String?) async throws -> [TokenRecord] {
        if let tenant {
            return try await Self.records(
                client.query(
                    "SELECT \(unescaped: Self.columns) FROM \(unescaped: names.schema).api_tokens WHERE tenant = \(tenant) ORDER BY name",
                    logger: logger))
        }
        return try await Self.records(
            client.query(
                "SELECT \(unescaped: Self.columns) FROM \(unescaped: names.schema).api_tokens ORDER BY name", logger: logger))
    }

    /// Revokes the named token in `actor`'s name; with `tenant`, only a token of that tenant.
    /// Takes effect on the next request: tokens are looked up on every request.
    public func revoke(name: String, tenant: String? = nil, actor: String) async throws -> RevokeResult {
        let schema = names.schema
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            var bindings = PostgresBindings()
            bindings.append(name)
            var scope = ""
            if let tenant {
                bindings.append(tenant)
                scope = " AND tenant = $2"
            }
            let found = try await Self.records(
                connection.query(
                    PostgresQuery(
                        unsafeSQL: "SELECT \(Self.columns) FROM \(schema).api_tokens WHERE name = $1\(scope) FOR UPDATE", binds: bindings), logger: logger)
            ).first
            guard let found else { return .notFound }
            guard found.revokedAt == nil else { return .alreadyRevoked(found) }
            let revoked =
                try await Self.records(
                    connection.query(
                        """
                        UPDATE \(unescaped: schema).api_tokens SET revoked_at = clock_timestamp(), revoked_by = \(actor)
                         WHERE id = \(found.id) RETURNING \(unescaped: Self.columns)
                        """, logger: logger)
                ).first ?? found
            try await AuditLog.append(
                AuditEntry(actor: actor, tenant: found.tenant, action: .tokenRevoke, note: "token \(name)"),
                schema: schema, on: connection, logger: logger)
            return .revoked(revoked)
        }
    }
}
