import Foundation
import KJobCore
import Logging
import PostgresNIO

/// The one writer of the audit log. Every change appends its entry on its own transaction's
/// connection, so the entry commits or rolls back with the change it records.
public enum AuditLog {
    static let columns = "actor, tenant, action, job, run, note, changes"

    /// Appends `entry` inside the caller's transaction.
    public static func append(_ entry: AuditEntry, schema: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).audit (\(unescaped: columns))
            VALUES (\(entry.actor), \(entry.tenant), \(entry.action.rawValue), \(entry.job), \(entry.run), \(entry.note),
                    \(try changesJSON(entry.changes))::jsonb)
            """, logger: logger)
    }

    /// The `changes` column: a JSON array of `{field, from, to}`, NULL when nothing is listed.
    static func changesJSON(_ changes: [FieldChange]) throws -> String? {
        guard !changes.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(changes), as: UTF8.self)
    }

    /// A CTE clause (`audited AS (INSERT …)`) writing the `lease.acquire` entry from `source`, a CTE
    /// of the epoch bump returning `epoch` and `holder`: the lock session bumps the epoch and records
    /// it in one statement, so in one transaction, and on its own connection.
    static func leaseAcquired(schema: String, source: String) -> String {
        """
        audited AS (
            INSERT INTO \(schema).audit (\(columns))
            SELECT '\(AuditAction.daemonActor)', NULL, '\(AuditAction.leaseAcquire.rawValue)', NULL, NULL,
                   'node ' || s.holder || ' holds the lease at epoch ' || s.epoch,
                   jsonb_build_array(jsonb_build_object('field', 'epoch', 'from', (s.epoch - 1)::text, 'to', s.epoch::text))
              FROM \(source) s
        )
        """
    }
}
