import Foundation
import Logging
import PostgresNIO

/// Deletes old run history (`[retention]`), fenced by the epoch. Log chunks and dispatches go
/// with their run (`ON DELETE CASCADE`).
///
/// A run is deleted only when it is finished, is not among its job's `keepRuns` newest finished
/// runs, finished before `cutoff`, has no `pending` dispatch, and no other attempt of its fire is
/// still queued or running.
public struct RunRetention: StoreRepository {
    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    /// One deleted run: enough to find its log file (`<log_dir>/<job>/<id>.log`).
    public struct PrunedRun: Sendable, Hashable {
        public var id: UUID
        public var job: String
    }

    /// Deletes up to `limit` runs; returns them. Call again while it returns `limit` runs.
    public func prune(epoch: Int64, keepRuns: Int, cutoff: Date, limit: Int = 1000) async throws -> [PrunedRun] {
        let fencing = Fencing(client: client, names: names)
        let schema = names.schema
        let logger = self.logger
        return try await RunQueue.unwrapped {
            try await fencing.withFencedTransaction(epoch: epoch, operation: "retention", logger: logger) { connection in
                var pruned: [PrunedRun] = []
                for try await (id, job) in try await connection.query(
                    """
                    WITH ranked AS (
                        SELECT r.id, r.job_id, r.fire_key, COALESCE(r.finished_at, r.queued_at) AS ended,
                               row_number() OVER (PARTITION BY r.job_id ORDER BY COALESCE(r.finished_at, r.queued_at) DESC, r.id) AS n
                          FROM \(unescaped: schema).job_runs r
                         WHERE r.status NOT IN ('queued', 'running')
                    ), victims AS (
                        SELECT k.id FROM ranked k
                         WHERE k.n > \(keepRuns) AND k.ended < \(cutoff)
                           AND NOT EXISTS (SELECT 1 FROM \(unescaped: schema).dispatches d WHERE d.run_id = k.id AND d.status = 'pending')
                           AND NOT EXISTS (SELECT 1 FROM \(unescaped: schema).job_runs o
                                            WHERE o.job_id = k.job_id AND o.fire_key = k.fire_key AND o.status IN ('queued', 'running'))
                         LIMIT \(limit)
                    )
                    DELETE FROM \(unescaped: schema).job_runs r USING victims v, \(unescaped: schema).jobs j
                     WHERE r.id = v.id AND j.id = r.job_id AND r.status NOT IN ('queued', 'running')
                    RETURNING r.id, j.slug
                    """, logger: logger
                ).decode((UUID, String).self) {
                    pruned.append(PrunedRun(id: id, job: job))
                }
                return pruned
            }
        }
    }
}
