import Foundation
import PostgresNIO

/// The web console's aggregate reads: one query per overview region, bounded by the indexes of
/// migration 8 (`job_runs_recent`, `dispatches_undeliverable`) and the existing partial indexes on
/// queued and running runs, so the overview costs the same with ten or ten thousand jobs. Ages are
/// measured by the database clock. `tenant` nil = every tenant.
extension RunsRepository {
    /// A running run as the overview lists it.
    public struct RunningRun: Sendable, Hashable {
        public var id: UUID
        public var tenant: String
        public var job: String
        public var node: String?
        public var epoch: Int64?
        public var startedAt: Date?
        public var elapsedMs: Int64
        /// The job's `timeout` as stored in its spec (`1h`); nil for a spec stored before spec_json.
        public var timeout: String?
        public var cancelRequested: Bool
    }

    /// Queued runs: those an executor slot would take now, those waiting for `not_before` (retries),
    /// and the oldest due ones.
    public struct QueueSummary: Sendable, Hashable {
        public var due: Int64 = 0
        public var waiting: Int64 = 0
        public var oldestDueAgeMs: Int64?
        public var oldest: [QueuedRun] = []
    }

    public struct QueuedRun: Sendable, Hashable {
        public var id: UUID
        public var job: String
        public var ageMs: Int64
    }

    /// The dispatch outbox: pending deliveries, and the ones that will not be delivered.
    public struct DispatchSummary: Sendable, Hashable {
        public var pending: Int64 = 0
        public var oldestPendingAgeMs: Int64?
        public var undeliverable: Int64 = 0
        /// The newest failed or dead dispatches.
        public var recentUndeliverable: [UndeliverableDispatch] = []
    }

    public struct UndeliverableDispatch: Sendable, Hashable {
        public var runID: UUID
        public var job: String
        public var channel: String
        public var status: String
        public var lastError: String?
        public var at: Date
    }

    /// A dispatch with its payload, as the run page shows it.
    public struct DispatchDetail: Sendable, Hashable {
        public var channel: String
        public var status: String
        public var attempts: Int
        public var lastError: String?
        public var lastHTTPStatus: Int?
        public var createdAt: Date
        public var firstAttemptAt: Date?
        public var nextAttemptAt: Date
        public var deliveredAt: Date?
        /// The JSON as stored (and sent), indented.
        public var payload: String
    }

    /// What the run page shows beyond ``RunRecord``.
    public struct RunExtras: Sendable, Hashable {
        public var notBefore: Date?
        public var cancelRequestedBy: String?
        public var timeout: String?
        public var databaseNow: Date
    }

    private func tenantJoin(_ tenant: String?, _ bindings: inout PostgresBindings) -> String {
        guard let tenant else { return "" }
        bindings.append(tenant)
        return " AND j.tenant = $\(bindings.count)"
    }

    /// Runs queued in the last `window`, by status.
    public func statusCounts(tenant: String?, window: Duration) async throws -> [String: Int64] {
        var bindings = PostgresBindings()
        bindings.append(window.milliseconds)
        let scope = tenantJoin(tenant, &bindings)
        let sql =
            tenant == nil
            ? """
            SELECT r.status, count(*)::bigint FROM \(names.schema).job_runs r
             WHERE r.queued_at >= now() - $1::bigint * interval '1 millisecond' GROUP BY r.status
            """
            : """
            SELECT r.status, count(*)::bigint FROM \(names.schema).job_runs r JOIN \(names.schema).jobs j ON j.id = r.job_id\(scope)
             WHERE r.queued_at >= now() - $1::bigint * interval '1 millisecond' GROUP BY r.status
            """
        var counts: [String: Int64] = [:]
        for try await (status, count) in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            .decode((String, Int64).self)
        {
            counts[status] = count
        }
        return counts
    }

    /// Running runs, longest running first, at most `limit`.
    public func running(tenant: String?, limit: Int) async throws -> [RunningRun] {
        var bindings = PostgresBindings()
        let scope = tenantJoin(tenant, &bindings)
        bindings.append(limit)
        let sql = """
            SELECT r.id, j.tenant, j.slug, r.node, r.epoch, r.started_at,
                   COALESCE((extract(epoch FROM clock_timestamp() - r.started_at) * 1000)::bigint, 0),
                   j.spec_json->>'timeout', r.cancel_requested_at IS NOT NULL
              FROM \(names.schema).job_runs r JOIN \(names.schema).jobs j ON j.id = r.job_id\(scope)
             WHERE r.status = 'running'
             ORDER BY r.started_at, r.id LIMIT $\(bindings.count)
            """
        var result: [RunningRun] = []
        for try await (id, tenant, job, node, epoch, started, elapsed, timeout, cancel) in try await client.query(
            PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger
        ).decode((UUID, String, String, String?, Int64?, Date?, Int64, String?, Bool).self) {
            result.append(
                RunningRun(
                    id: id, tenant: tenant, job: job, node: node, epoch: epoch, startedAt: started,
                    elapsedMs: elapsed, timeout: timeout, cancelRequested: cancel))
        }
        return result
    }

    /// The queue (`job_runs_queue` covers it), with the `oldest` due runs.
    public func queueSummary(tenant: String?, oldest: Int) async throws -> QueueSummary {
        var bindings = PostgresBindings()
        let scope = tenantJoin(tenant, &bindings)
        let from =
            tenant == nil
            ? "\(names.schema).job_runs r"
            : "\(names.schema).job_runs r JOIN \(names.schema).jobs j ON j.id = r.job_id\(scope)"
        var summary = QueueSummary()
        for try await (due, waiting, age) in try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT count(*) FILTER (WHERE r.not_before IS NULL OR r.not_before <= now())::bigint,
                           count(*) FILTER (WHERE r.not_before > now())::bigint,
                           (extract(epoch FROM clock_timestamp() - min(r.queued_at) FILTER (WHERE r.not_before IS NULL OR r.not_before <= now())) * 1000)::bigint
                      FROM \(from) WHERE r.status = 'queued'
                    """, binds: bindings), logger: logger
        ).decode((Int64, Int64, Int64?).self) {
            summary.due = due
            summary.waiting = waiting
            summary.oldestDueAgeMs = age
        }
        guard summary.due > 0 else { return summary }
        bindings.append(oldest)
        // Materialized: over the few queued rows (job_runs_queue), not in queued_at order over every run.
        for try await (id, job, age) in try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH due AS MATERIALIZED (
                        SELECT r.id, r.job_id, r.queued_at FROM \(names.schema).job_runs r
                         WHERE r.status = 'queued' AND (r.not_before IS NULL OR r.not_before <= now())
                    )
                    SELECT r.id, j.slug, (extract(epoch FROM clock_timestamp() - r.queued_at) * 1000)::bigint
                      FROM due r JOIN \(names.schema).jobs j ON j.id = r.job_id\(scope)
                     ORDER BY r.queued_at, r.id LIMIT $\(bindings.count)
                    """, binds: bindings), logger: logger
        ).decode((UUID, String, Int64).self) {
            summary.oldest.append(QueuedRun(id: id, job: job, ageMs: age))
        }
        return summary
    }

    /// The outbox (`dispatches_due` and `dispatches_undeliverable` cover it), with the `recent`
    /// newest failed or dead dispatches.
    public func dispatchSummary(tenant: String?, recent: Int) async throws -> DispatchSummary {
        let s = names.schema
        var bindings = PostgresBindings()
        let scope = tenantJoin(tenant, &bindings)
        let from =
            tenant == nil
            ? "\(s).dispatches d"
            : "\(s).dispatches d JOIN \(s).job_runs r ON r.id = d.run_id JOIN \(s).jobs j ON j.id = r.job_id\(scope)"
        var summary = DispatchSummary()
        for try await (pending, age, undeliverable) in try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT (SELECT count(*) FROM \(from) WHERE d.status = 'pending')::bigint,
                           (SELECT (extract(epoch FROM clock_timestamp() - min(d.created_at)) * 1000)::bigint FROM \(from) WHERE d.status = 'pending'),
                           (SELECT count(*) FROM \(from) WHERE d.status IN ('failed', 'dead'))::bigint
                    """, binds: bindings), logger: logger
        ).decode((Int64, Int64?, Int64).self) {
            summary.pending = pending
            summary.oldestPendingAgeMs = age
            summary.undeliverable = undeliverable
        }
        guard summary.undeliverable > 0 else { return summary }
        bindings.append(recent)
        for try await (runID, job, channel, status, error, at) in try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT d.run_id, j.slug, d.channel, d.status, d.last_error, d.created_at
                      FROM \(s).dispatches d JOIN \(s).job_runs r ON r.id = d.run_id JOIN \(s).jobs j ON j.id = r.job_id\(scope)
                     WHERE d.status IN ('failed', 'dead')
                     ORDER BY d.created_at DESC LIMIT $\(bindings.count)
                    """, binds: bindings), logger: logger
        ).decode((UUID, String, String, String, String?, Date).self) {
            summary.recentUndeliverable.append(
                UndeliverableDispatch(
                    runID: runID, job: job, channel: channel, status: status,
                    lastError: error, at: at))
        }
        return summary
    }

    /// The run's dispatches with their payloads.
    public func dispatchDetails(runID: UUID) async throws -> [DispatchDetail] {
        var result: [DispatchDetail] = []
        for try await (channel, status, attempts, error, http, created, first, next, delivered, payload) in try await client.query(
            """
            SELECT channel, status, attempts, last_error, last_http_status, created_at, first_attempt_at, next_attempt_at, delivered_at,
                   jsonb_pretty(payload)
              FROM \(unescaped: names.schema).dispatches WHERE run_id = \(runID) ORDER BY channel
            """, logger: logger
        ).decode((String, String, Int, String?, Int?, Date, Date?, Date, Date?, String).self) {
            result.append(
                DispatchDetail(
                    channel: channel, status: status, attempts: attempts, lastError: error, lastHTTPStatus: http,
                    createdAt: created, firstAttemptAt: first, nextAttemptAt: next, deliveredAt: delivered,
                    payload: payload))
        }
        return result
    }

    /// The run's retry time, who asked to cancel it, and its job's timeout.
    public func extras(runID: UUID) async throws -> RunExtras? {
        var result: RunExtras?
        for try await (notBefore, cancelBy, timeout, now) in try await client.query(
            """
            SELECT r.not_before, r.cancel_requested_by, j.spec_json->>'timeout', clock_timestamp()
              FROM \(unescaped: names.schema).job_runs r JOIN \(unescaped: names.schema).jobs j ON j.id = r.job_id
             WHERE r.id = \(runID)
            """, logger: logger
        ).decode((Date?, String?, String?, Date).self) {
            result = RunExtras(notBefore: notBefore, cancelRequestedBy: cancelBy, timeout: timeout, databaseNow: now)
        }
        return result
    }

    /// The `afterSeq` from which ``logChunks(runID:afterSeq:limit:)`` reads about the run's last
    /// `bytes` of log (-1, the start, when the log is shorter): a page shows a 10 MiB log's tail
    /// without reading the rest.
    public func logTailCursor(runID: UUID, bytes: Int64) async throws -> Int {
        var cursor = -1
        for try await seq in try await client.query(
            """
            SELECT seq FROM (
                SELECT seq, sum(octet_length(data)) OVER (ORDER BY seq DESC) AS tail
                  FROM \(unescaped: names.schema).run_log_chunks WHERE run_id = \(runID)
            ) t WHERE tail >= \(bytes) ORDER BY seq DESC LIMIT 1
            """, logger: logger
        ).decode(Int.self) {
            cursor = seq - 1
        }
        return cursor
    }
}
