import Foundation
import KJobCore
import Logging
import PostgresNIO

/// Jobs as the API reads and writes them. Not epoch-fenced: any node may edit jobs; the
/// `jobs` trigger NOTIFYs the active's materializer.
public struct JobsRepository: StoreRepository {
    public enum WriteMode: Sendable, Hashable {
        case create, apply
        /// Replace the live job only while it is still at `version` (a merge patch based on it).
        case update(version: Int64)
    }
    public enum WriteResult: Sendable, Hashable {
        case created(JobRecord)
        case updated(JobRecord)
        /// `create` of a slug the tenant already has.
        case exists
        /// `update` of a job that does not exist (or was deleted).
        case missing
        /// `update` of a job that changed since: it is at `current`.
        case versionMismatch(current: Int64)
    }

    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    static let columns = "id, tenant, slug, spec, enabled, next_fire_at, last_fire_at, created_at, updated_at, version"

    static func records(_ rows: PostgresRowSequence) async throws -> [JobRecord] {
        var result: [JobRecord] = []
        for try await (id, tenant, slug, spec, enabled, next, last, created, updated, version) in rows.decode(
            (UUID, String, String, String, Bool, Date?, Date?, Date, Date, Int64).self) {
            result.append(JobRecord(id: id, tenant: tenant, slug: slug, specTOML: spec, enabled: enabled,
                                    nextFireAt: next, lastFireAt: last, createdAt: created, updatedAt: updated, version: version))
        }
        return result
    }

    public func get(tenant: String, slug: String) async throws -> JobRecord? {
        try await Self.records(client.query(
            "SELECT \(unescaped: Self.columns) FROM \(unescaped: names.schema).jobs WHERE tenant = \(tenant) AND slug = \(slug) AND deleted_at IS NULL",
            logger: logger)).first
    }

    /// Creates or replaces a job. `next_fire_at` is recomputed (strictly after `now`) when the job is
    /// new or its schedule or zone changed; otherwise the pending fire is kept. An `update` compares
    /// the version under the row lock, so no change slips between the check and the write.
    public func write(tenant: String, spec: JobSpec, mode: WriteMode, now: Date) async throws -> WriteResult {
        let schema = names.schema
        let toml = spec.toml()
        let json = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        let logger = self.logger
        let windowMs = spec.misfire.window.milliseconds
        return try await client.withTransaction(logger: logger) { connection in
            var existing: (UUID, String, String, Date?, Int64)?
            for try await row in try await connection.query(
                "SELECT id, schedule, timezone, next_fire_at, version FROM \(unescaped: schema).jobs WHERE tenant = \(tenant) AND slug = \(spec.slug) AND deleted_at IS NULL FOR UPDATE",
                logger: logger).decode((UUID, String, String, Date?, Int64).self) {
                existing = row
            }
            let id: UUID
            let created: Bool
            if case .update(let version) = mode {
                guard let existing else { return .missing }
                guard existing.4 == version else { return .versionMismatch(current: existing.4) }
            }
            if let existing {
                guard mode != .create else { return .exists }
                id = existing.0
                created = false
                let rescheduled = existing.1 != spec.schedule.text || existing.2 != spec.timezone || existing.3 == nil
                let next = rescheduled ? spec.nextFire(after: now) : existing.3
                try await connection.query("""
                    UPDATE \(unescaped: schema).jobs SET spec = \(toml), spec_json = \(json)::jsonb, schedule = \(spec.schedule.text),
                        timezone = \(spec.timezone), enabled = \(spec.enabled), misfire_policy = \(spec.misfire.mode.rawValue),
                        misfire_window_ms = \(windowMs), next_fire_at = \(next), updated_at = clock_timestamp()
                    WHERE id = \(id)
                    """, logger: logger)
                try await connection.query("DELETE FROM \(unescaped: schema).job_dispatch_targets WHERE job_id = \(id)", logger: logger)
            } else {
                id = UUID()
                created = true
                try await connection.query("""
                    INSERT INTO \(unescaped: schema).jobs (id, tenant, slug, spec, spec_json, schedule, timezone, enabled,
                        misfire_policy, misfire_window_ms, next_fire_at)
                    VALUES (\(id), \(tenant), \(spec.slug), \(toml), \(json)::jsonb, \(spec.schedule.text), \(spec.timezone),
                        \(spec.enabled), \(spec.misfire.mode.rawValue), \(windowMs), \(spec.nextFire(after: now)))
                    """, logger: logger)
            }
            for (position, output) in spec.outputs.enumerated() {
                let on = output.on.map(\.rawValue)
                try await connection.query("""
                    INSERT INTO \(unescaped: schema).job_dispatch_targets (job_id, position, channel, on_status)
                    VALUES (\(id), \(position), \(output.channel), \(on))
                    """, logger: logger)
            }
            let record = try await Self.records(connection.query(
                "SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).jobs WHERE id = \(id)", logger: logger)).first!
            return created ? .created(record) : .updated(record)
        }
    }

    /// Enables or disables the job; nil when it does not exist. Disabling also cancels the job's queued
    /// runs (retries, a `queue` backlog, run-now requests not yet started), recorded with the actor;
    /// a running run goes on to its end.
    public func setEnabled(tenant: String, slug: String, enabled: Bool, actor: String) async throws -> JobRecord? {
        let schema = names.schema
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            guard let job = try await Self.records(connection.query("""
                UPDATE \(unescaped: schema).jobs SET enabled = \(enabled), updated_at = clock_timestamp()
                WHERE tenant = \(tenant) AND slug = \(slug) AND deleted_at IS NULL RETURNING \(unescaped: Self.columns)
                """, logger: logger)).first else { return nil }
            if !enabled {
                try await Self.cancelRuns(of: job.id, running: false, reason: "job disabled by \(actor)", actor: actor,
                                          schema: schema, on: connection, logger: logger)
            }
            return job
        }
    }

    /// Soft-deletes the job: it leaves listings and scheduling at once and its slug is free again; its
    /// queued runs are cancelled and its running ones asked to stop (the active kills them), while runs,
    /// logs and pending dispatches stay readable by run id and deliverable. False when it did not exist.
    public func delete(tenant: String, slug: String, actor: String) async throws -> Bool {
        let schema = names.schema
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            var id: UUID?
            for try await deleted in try await connection.query("""
                UPDATE \(unescaped: schema).jobs
                   SET deleted_at = clock_timestamp(), deleted_by = \(actor), next_fire_at = NULL, updated_at = clock_timestamp()
                 WHERE tenant = \(tenant) AND slug = \(slug) AND deleted_at IS NULL RETURNING id
                """, logger: logger).decode(UUID.self) {
                id = deleted
            }
            guard let id else { return false }
            try await Self.cancelRuns(of: id, running: true, reason: "job deleted by \(actor)", actor: actor,
                                      schema: schema, on: connection, logger: logger)
            return true
        }
    }

    /// Queued runs become `cancelled` with `reason`; with `running`, running runs get a cancel request,
    /// whose trigger NOTIFYs the active (the same path as `kjob cancel`).
    static func cancelRuns(of jobID: UUID, running: Bool, reason: String, actor: String, schema: String,
                           on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE \(unescaped: schema).job_runs
               SET status = 'cancelled', reason = \(reason), finished_at = clock_timestamp(),
                   cancel_requested_at = COALESCE(cancel_requested_at, clock_timestamp()), cancel_requested_by = \(actor)
             WHERE job_id = \(jobID) AND status = 'queued'
            """, logger: logger)
        guard running else { return }
        try await connection.query("""
            UPDATE \(unescaped: schema).job_runs
               SET cancel_requested_at = clock_timestamp(), cancel_requested_by = \(actor)
             WHERE job_id = \(jobID) AND status = 'running' AND cancel_requested_at IS NULL
            """, logger: logger)
    }
}
