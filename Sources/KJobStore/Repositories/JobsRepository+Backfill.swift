import Foundation
import KJobCore
import PostgresNIO

extension JobsRepository {
    public enum BackfillResult: Sendable, Hashable {
        /// `created`: the fires that had no run (runs created for them, or on a dry run the ones
        /// that would be); `existing`: the fires that already had one.
        case done(created: [Date], existing: [Date])
        /// The job was deleted meanwhile.
        case missing
        /// The job changed since the fires were planned from it (its schedule may differ).
        case versionMismatch(current: Int64)
    }

    /// A queued backfill run for each of `fires` that has no first attempt yet (scheduled fires and
    /// earlier backfills count: the `job_runs_fire_once` key keeps it idempotent), while the job is
    /// still at `version`. With `dryRun`, only reports which fires would get one. A backfill that
    /// writes is audited (`job.backfill`) under `actor` in the same transaction.
    public func backfill(jobID: UUID, version: Int64, fires: [Date], dryRun: Bool, actor: String) async throws -> BackfillResult {
        let schema = names.schema
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            var row: (version: Int64, tenant: String, slug: String)?
            for try await value in try await connection.query(
                "SELECT version, tenant, slug FROM \(unescaped: schema).jobs WHERE id = \(jobID) AND deleted_at IS NULL FOR SHARE",
                logger: logger
            ).decode((Int64, String, String).self) {
                row = value
            }
            guard let row else { return .missing }
            let current = row.version
            guard current == version else { return .versionMismatch(current: current) }
            // Times come back from Postgres in microseconds: compared by millisecond, as fire keys are.
            func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
            var created: Set<Int64> = []
            if dryRun {
                var existing: Set<Int64> = []
                for try await time in try await connection.query(
                    """
                    SELECT scheduled_for FROM \(unescaped: schema).job_runs
                     WHERE job_id = \(jobID) AND attempt = 1 AND NOT manual AND scheduled_for = ANY(\(fires))
                    """, logger: logger
                ).decode(Date.self) {
                    existing.insert(ms(time))
                }
                created = Set(fires.map(ms)).subtracting(existing)
            } else {
                let ids = fires.map { _ in UUID() }
                let keys = fires.map(Materializer.fireKey)
                for try await time in try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).job_runs (id, job_id, scheduled_for, fire_key, manual, attempt, status, queued_at, backfill,
                                                              trigger, triggered_by)
                    SELECT f.id, \(jobID), f.scheduled_for, f.fire_key, false, 1, 'queued', now(), true,
                           \(RunTriggerKind.backfill.rawValue), \(actor)
                      FROM unnest(\(ids)::uuid[], \(fires)::timestamptz[], \(keys)::text[]) AS f(id, scheduled_for, fire_key)
                     ORDER BY f.scheduled_for
                    ON CONFLICT (job_id, scheduled_for) WHERE attempt = 1 AND NOT manual DO NOTHING
                    RETURNING scheduled_for
                    """, logger: logger
                ).decode(Date.self) {
                    created.insert(ms(time))
                }
                if let first = fires.first, let last = fires.last {
                    let note =
                        "\(created.count) run(s) created for \(fires.count) fire(s) from \(RFC3339.formatUTCMilliseconds(first)) "
                        + "to \(RFC3339.formatUTCMilliseconds(last)); \(fires.count - created.count) already had one"
                    try await AuditLog.append(
                        AuditEntry(actor: actor, tenant: row.tenant, action: .jobBackfill, job: row.slug, note: note),
                        schema: schema, on: connection, logger: logger)
                }
            }
            return .done(created: fires.filter { created.contains(ms($0)) }, existing: fires.filter { !created.contains(ms($0)) })
        }
    }
}
