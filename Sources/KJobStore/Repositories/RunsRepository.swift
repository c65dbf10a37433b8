import Foundation
import KJobCore
import Logging
import PostgresNIO

/// Runs, logs and dispatch state as the API reads them; run-now and cancel requests.
///
/// The two writes here are not epoch-fenced, by design: run-now only inserts a queued run (the
/// active claims it under its epoch) and cancel only marks a request (or cancels a run no one
/// has claimed, which the claim's `status = 'queued'` check makes safe).
public struct RunsRepository: StoreRepository {
    public struct Filter: Sendable, Hashable {
        /// Only these statuses; empty = all.
        public var statuses: [String] = []
        /// Only runs scheduled strictly before this.
        public var before: Date?
        /// Only runs scheduled at or after this.
        public var since: Date?
        public var limit: Int = 50
        public init() {}
    }

    public enum CancelResult: Sendable, Hashable {
        /// A queued run, cancelled at once.
        case cancelled(RunRecord)
        /// A running run; its executor will stop it.
        case requested(RunRecord)
        /// The run had already ended.
        case alreadyFinished(RunRecord)

        /// The run as it stands after the request.
        public var run: RunRecord {
            switch self {
            case .cancelled(let run), .requested(let run), .alreadyFinished(let run): run
            }
        }
    }

    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    var select: String {
        let s = names.schema
        return """
            SELECT r.id, r.job_id, j.tenant, j.slug, r.scheduled_for, r.manual, r.attempt, r.status, r.reason, r.node, r.epoch,
                   r.queued_at, r.started_at, r.finished_at, r.exit_code, r.signal, r.log_bytes, r.log_truncated, r.cancel_requested_at, r.backfill,
                   r.trigger, r.triggered_by,
                   (SELECT CASE WHEN count(*) = 0 THEN NULL
                                WHEN bool_or(d.status = 'pending') THEN 'pending'
                                WHEN bool_or(d.status = 'dead') THEN 'dead'
                                WHEN bool_or(d.status = 'failed') THEN 'failed'
                                ELSE 'delivered' END
                      FROM \(s).dispatches d WHERE d.run_id = r.id) AS dispatch_status
              FROM \(s).job_runs r JOIN \(s).jobs j ON j.id = r.job_id
            """
    }

    static func records(_ rows: PostgresRowSequence) async throws -> [RunRecord] {
        var result: [RunRecord] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            func get<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T {
                try r[name].decode(T.self, context: .default)
            }
            result.append(
                RunRecord(
                    id: try get("id"), jobID: try get("job_id"), tenant: try get("tenant"), job: try get("slug"),
                    scheduledFor: try get("scheduled_for"), manual: try get("manual"), attempt: try get("attempt", Int.self),
                    status: try get("status"), reason: try get("reason"), node: try get("node"), epoch: try get("epoch"),
                    queuedAt: try get("queued_at"), startedAt: try get("started_at"), finishedAt: try get("finished_at"),
                    exitCode: try get("exit_code", Int?.self), signal: try get("signal", Int?.self), logBytes: try get("log_bytes"),
                    logTruncated: try get("log_truncated"), cancelRequestedAt: try get("cancel_requested_at"),
                    dispatchStatus: try get("dispatch_status"), backfill: try get("backfill"), trigger: try get("trigger"),
                    triggeredBy: try get("triggered_by")))
        }
        return result
    }

    /// A job's runs, newest fire first.
    public func list(jobID: UUID, filter: Filter) async throws -> [RunRecord] {
        var bindings = PostgresBindings()
        bindings.append(jobID)
        var sql = select + " WHERE r.job_id = $1"
        if !filter.statuses.isEmpty {
            bindings.append(filter.statuses)
            sql += " AND r.status = ANY($\(bindings.count))"
        }
        if let before = filter.before {
            bindings.append(before)
            sql += " AND r.scheduled_for < $\(bindings.count)"
        }
        if let since = filter.since {
            bindings.append(since)
            sql += " AND r.scheduled_for >= $\(bindings.count)"
        }
        bindings.append(filter.limit)
        sql += " ORDER BY r.scheduled_for DESC, r.attempt DESC, r.queued_at DESC LIMIT $\(bindings.count)"
        return try await Self.records(client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger))
    }

    /// One run; with a tenant, only that tenant's.
    public func get(id: UUID, tenant: String?) async throws -> RunRecord? {
        var bindings = PostgresBindings()
        bindings.append(id)
        var sql = select + " WHERE r.id = $1"
        if let tenant {
            bindings.append(tenant)
            sql += " AND j.tenant = $2"
        }
        return try await Self.records(client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)).first
    }

    public func dispatches(runID: UUID) async throws -> [DispatchRecord] {
        var result: [DispatchRecord] = []
        for try await (channel, status, attempts, error, http, next, delivered) in try await client.query(
            """
            SELECT channel, status, attempts, last_error, last_http_status, next_attempt_at, delivered_at
              FROM \(unescaped: names.schema).dispatches WHERE run_id = \(runID) ORDER BY channel
            """, logger: logger
        ).decode((String, String, Int, String?, Int?, Date, Date?).self) {
            result.append(
                DispatchRecord(
                    channel: channel, status: status, attempts: attempts, lastError: error,
                    lastHTTPStatus: http, nextAttemptAt: next, deliveredAt: delivered))
        }
        return result
    }

    /// Queues a manual run of the job now (its own fire key) in `actor`'s name, audited; the insert
    /// trigger NOTIFYs the active.
    public func insertManualRun(jobID: UUID, actor: String) async throws -> RunRecord {
        let id = UUID()
        let schema = names.schema
        let logger = self.logger
        try await client.withTransaction(logger: logger) { connection in
            var job: (String, String)?
            for try await row in try await connection.query(
                """
                INSERT INTO \(unescaped: schema).job_runs (id, job_id, scheduled_for, fire_key, manual, attempt, status, queued_at, trigger, triggered_by)
                VALUES (\(id), \(jobID), clock_timestamp(), \("manual:" + id.uuidString.lowercased()), true, 1, 'queued', clock_timestamp(),
                        \(RunTriggerKind.manual.rawValue), \(actor))
                RETURNING (SELECT tenant FROM \(unescaped: schema).jobs WHERE id = \(jobID)), (SELECT slug FROM \(unescaped: schema).jobs WHERE id = \(jobID))
                """, logger: logger
            ).decode((String, String).self) {
                job = row
            }
            if let (tenant, slug) = job {
                try await AuditLog.append(
                    AuditEntry(actor: actor, tenant: tenant, action: .jobRun, job: slug, run: id),
                    schema: schema, on: connection, logger: logger)
            }
        }
        guard let run = try await get(id: id, tenant: nil) else {
            throw RepositoryError(message: "run \(id) vanished right after it was inserted (job deleted meanwhile?)")
        }
        return run
    }

    /// Cancels a queued run at once, or records a cancel request for a running one (the
    /// `notify_run_cancel` trigger tells the active on the runs channel). Nil when the run does not
    /// exist (for this tenant).
    public func cancel(id: UUID, tenant: String?, requestedBy: String) async throws -> CancelResult? {
        guard let run = try await get(id: id, tenant: tenant) else { return nil }
        let schema = names.schema
        let logger = self.logger
        let outcome: String? = try await client.withTransaction(logger: logger) { connection in
            var status: String?
            for try await value in try await connection.query(
                """
                UPDATE \(unescaped: schema).job_runs SET
                    status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                    reason = CASE WHEN status = 'queued' THEN 'cancelled before start' ELSE reason END,
                    finished_at = CASE WHEN status = 'queued' THEN clock_timestamp() ELSE finished_at END,
                    cancel_requested_at = COALESCE(cancel_requested_at, clock_timestamp()),
                    cancel_requested_by = \(requestedBy)
                WHERE id = \(id) AND status IN ('queued', 'running')
                RETURNING status
                """, logger: logger
            ).decode(String.self) {
                status = value
            }
            if let status {
                let note = status == "running" ? "cancel requested while running" : "cancelled before it started"
                try await AuditLog.append(
                    AuditEntry(actor: requestedBy, tenant: run.tenant, action: .runCancel, job: run.job, run: id, note: note),
                    schema: schema, on: connection, logger: logger)
            }
            return status
        }
        guard let updated = try await get(id: id, tenant: tenant) else { return nil }
        switch outcome {
        case "cancelled": return .cancelled(updated)
        case "running": return .requested(updated)
        default: return .alreadyFinished(run.isActive ? updated : run)
        }
    }

    /// Chunks after `afterSeq`, in order, at most `limit`.
    public func logChunks(runID: UUID, afterSeq: Int, limit: Int) async throws -> [StoredLogChunk] {
        try await RunLogStore(context).chunks(runID: runID, after: afterSeq, limit: limit)
    }

    /// The run's status, for log following; nil when it was deleted.
    public func status(runID: UUID) async throws -> String? {
        var result: String?
        for try await status in try await client.query(
            "SELECT status FROM \(unescaped: names.schema).job_runs WHERE id = \(runID)", logger: logger
        ).decode(String.self) {
            result = status
        }
        return result
    }
}
