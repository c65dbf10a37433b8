import Foundation
import KJobCore
import PostgresNIO

extension ClusterRepository {
    /// A `lease.acquire` audit entry: a node took the lease at a new epoch.
    public struct Takeover: Sendable, Hashable {
        public var at: Date
        /// `node N holds the lease at epoch E`, as the lock session wrote it.
        public var note: String
    }

    /// The last `limit` takeovers, newest first (`audit_lease` makes it an index scan however long
    /// the audit log is).
    public func takeovers(limit: Int) async throws -> [Takeover] {
        var result: [Takeover] = []
        for try await (at, note) in try await client.query(
            """
            SELECT at, COALESCE(note, '') FROM \(unescaped: names.schema).audit
             WHERE action = \(AuditAction.leaseAcquire.rawValue) ORDER BY id DESC LIMIT \(limit)
            """, logger: logger
        ).decode((Date, String).self) {
            result.append(Takeover(at: at, note: note))
        }
        return result
    }
}
