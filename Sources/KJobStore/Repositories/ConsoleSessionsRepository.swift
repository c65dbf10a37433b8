import Foundation
import KJobCore
import Logging
import PostgresNIO

/// Web console sessions by the hash of their id (hashing and the cookie are the caller's:
/// KJobServer's console). Sessions live in Postgres so that both nodes accept them.
public struct ConsoleSessionsRepository: StoreRepository {
    /// A live session: the token it acts as, and its CSRF secret.
    public struct Session: Sendable, Hashable {
        public var token: TokenRecord
        public var csrf: String
    }

    /// `last_seen_at` is written at most this often per session, so a page's requests stay reads.
    public static let lastSeenResolution: Duration = .seconds(15)

    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    /// Starts a session for `token` (audited, with `note` naming where); also drops sessions idle
    /// longer than `idle`.
    public func create(idHash: [UInt8], token: TokenRecord, csrf: String, idle: Duration, note: String) async throws {
        let schema = names.schema
        let idleMs = idle.milliseconds
        let logger = self.logger
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                """
                DELETE FROM \(unescaped: schema).console_sessions
                 WHERE last_seen_at < clock_timestamp() - \(idleMs) * interval '1 millisecond'
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).console_sessions (id_hash, token_id, csrf)
                VALUES (\(ByteBuffer(bytes: idHash)), \(token.id), \(csrf))
                """, logger: logger)
            try await AuditLog.append(
                AuditEntry(actor: token.name, tenant: token.tenant, action: .consoleLogin, note: note),
                schema: schema, on: connection, logger: logger)
        }
    }

    /// The session with this hash when it was seen within `idle` (its token may be revoked or
    /// expired: the caller refuses those). Stamps `last_seen_at` when older than ``lastSeenResolution``.
    public func find(idHash: [UInt8], idle: Duration) async throws -> Session? {
        let schema = names.schema
        let idleMs = idle.milliseconds
        let resolutionMs = Self.lastSeenResolution.milliseconds
        let rows = try await client.query(
            """
            WITH hit AS (
                SELECT s.id_hash, s.csrf, s.last_seen_at,
                       t.id, t.name, t.role, t.tenant, t.created_at, t.revoked_at, t.expires_at, t.last_used_at
                  FROM \(unescaped: schema).console_sessions s JOIN \(unescaped: schema).api_tokens t ON t.id = s.token_id
                 WHERE s.id_hash = \(ByteBuffer(bytes: idHash))
                   AND s.last_seen_at >= clock_timestamp() - \(idleMs) * interval '1 millisecond'
            ), touched AS (
                UPDATE \(unescaped: schema).console_sessions s SET last_seen_at = clock_timestamp() FROM hit
                 WHERE s.id_hash = hit.id_hash
                   AND hit.last_seen_at < clock_timestamp() - \(resolutionMs) * interval '1 millisecond'
                RETURNING s.id_hash
            )
            SELECT csrf, id, name, role, tenant, created_at, revoked_at, expires_at, last_used_at FROM hit
            """, logger: logger)
        for try await (csrf, id, name, role, tenant, created, revoked, expires, used) in rows.decode(
            (String, UUID, String, String, String?, Date, Date?, Date?, Date?).self)
        {
            return Session(
                token: TokenRecord(
                    id: id, name: name, role: role, tenant: tenant, createdAt: created,
                    revokedAt: revoked, expiresAt: expires, lastUsedAt: used),
                csrf: csrf)
        }
        return nil
    }

    /// Ends the session (logout), audited under `actor`. Returns whether one was there.
    @discardableResult
    public func delete(idHash: [UInt8], actor: String, tenant: String?, note: String) async throws -> Bool {
        let schema = names.schema
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                "DELETE FROM \(unescaped: schema).console_sessions WHERE id_hash = \(ByteBuffer(bytes: idHash)) RETURNING 1",
                logger: logger)
            var found = false
            for try await _ in rows { found = true }
            if found {
                try await AuditLog.append(
                    AuditEntry(actor: actor, tenant: tenant, action: .consoleLogout, note: note),
                    schema: schema, on: connection, logger: logger)
            }
            return found
        }
    }
}
