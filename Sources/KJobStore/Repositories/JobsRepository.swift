import Foundation
import KJobCore
import Logging
import PostgresNIO

/// Jobs as the API reads and writes them. Not epoch-fenced: any node may edit jobs; the
/// `jobs` trigger NOTIFYs the active's materializer. Every change is audited in its transaction.
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

    public enum RestoreResult: Sendable, Hashable {
        case restored(JobRecord)
        /// No soft-deleted job has this slug.
        case notFound
        /// A live job has the slug now.
        case slugTaken
    }

    public enum PurgeResult: Sendable, Hashable {
        /// The jobs erased (the live one, or every soft-deleted one of the slug) and their runs.
        case purged(jobs: Int, runs: Int)
        case notFound
        /// Runs of the job are still running; they must end first (delete stops them).
        case running(Int)
    }

    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    static let columns = """
        id, tenant, slug, spec, enabled, next_fire_at, last_fire_at, created_at, updated_at,
        created_by, updated_by, owner, paused_by, paused_at, pause_note, unauthorized_at, version
        """

    static func records(_ rows: PostgresRowSequence) async throws -> [JobRecord] {
        var result: [JobRecord] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            func get<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T {
                try r[name].decode(T.self, context: .default)
            }
            var record = JobRecord(
                id: try get("id"), tenant: try get("tenant"), slug: try get("slug"), specTOML: try get("spec"),
                enabled: try get("enabled"), nextFireAt: try get("next_fire_at"), lastFireAt: try get("last_fire_at"),
                createdAt: try get("created_at"), updatedAt: try get("updated_at"), version: try get("version"))
            record.createdBy = try get("created_by")
            record.updatedBy = try get("updated_by")
            record.owner = try get("owner")
            record.pausedBy = try get("paused_by")
            record.pausedAt = try get("paused_at")
            record.pauseNote = try get("pause_note")
            record.unauthorizedAt = try get("unauthorized_at")
            result.append(record)
        }
        return result
    }

    public func get(tenant: String, slug: String) async throws -> JobRecord? {
        try await Self.records(
            client.query(
                "SELECT \(unescaped: Self.columns) FROM \(unescaped: names.schema).jobs WHERE tenant = \(tenant) AND slug = \(slug) AND deleted_at IS NULL",
                logger: logger)
        ).first
    }

    /// Creates or replaces a job; `actor` becomes its owner. `next_fire_at` is recomputed (strictly
    /// after `now`) when the job is new or its schedule or zone changed; otherwise the pending fire
    /// is kept. A replace audits the fields that changed. An `update` compares the version under the
    /// row lock, so no change slips between the check and the write.
    public func write(tenant: String, spec: JobSpec, mode: WriteMode, now: Date, actor: String) async throws -> WriteResult {
        let schema = names.schema
        let toml = spec.toml()
        let json = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        let logger = self.logger
        let windowMs = spec.misfire.window.milliseconds
        return try await client.withTransaction(logger: logger) { connection in
            var existing:
                (
                    id: UUID, schedule: String, timezone: String, next: Date?, spec: String, enabled: Bool, owner: String?,
                    version: Int64
                )?
            for try await row in try await connection.query(
                """
                SELECT id, schedule, timezone, next_fire_at, spec, enabled, owner, version FROM \(unescaped: schema).jobs
                 WHERE tenant = \(tenant) AND slug = \(spec.slug) AND deleted_at IS NULL FOR UPDATE
                """, logger: logger
            ).decode((UUID, String, String, Date?, String, Bool, String?, Int64).self) {
                existing = row
            }
            if case .update(let version) = mode {
                guard let existing else { return .missing }
                guard existing.version == version else { return .versionMismatch(current: existing.version) }
            }
            let id: UUID
            let entry: AuditEntry
            if let existing {
                guard mode != .create else { return .exists }
                id = existing.id
                let rescheduled = existing.schedule != spec.schedule.text || existing.timezone != spec.timezone || existing.next == nil
                let next = rescheduled ? spec.nextFire(after: now) : existing.next
                // A replace that disables the job pauses it in the actor's name; one that enables it ends the pause.
                try await connection.query(
                    """
                    UPDATE \(unescaped: schema).jobs SET spec = \(toml), spec_json = \(json)::jsonb, schedule = \(spec.schedule.text),
                        timezone = \(spec.timezone), enabled = \(spec.enabled), misfire_policy = \(spec.misfire.mode.rawValue),
                        misfire_window_ms = \(windowMs), next_fire_at = \(next), updated_at = clock_timestamp(),
                        updated_by = \(actor), owner = \(actor), unauthorized_at = NULL,
                        paused_by = CASE WHEN \(spec.enabled) THEN NULL WHEN enabled THEN \(actor) ELSE paused_by END,
                        paused_at = CASE WHEN \(spec.enabled) THEN NULL WHEN enabled THEN clock_timestamp() ELSE paused_at END,
                        pause_note = CASE WHEN \(spec.enabled) OR enabled THEN NULL ELSE pause_note END
                    WHERE id = \(id)
                    """, logger: logger)
                try await connection.query("DELETE FROM \(unescaped: schema).job_dispatch_targets WHERE job_id = \(id)", logger: logger)
                var changes: [FieldChange]
                var note: String?
                if var before = try? JobSpec(toml: existing.spec) {
                    before.enabled = existing.enabled
                    changes = before.changes(to: spec)
                } else {
                    changes = []
                    note = "the previous spec could not be read; the whole job was replaced"
                }
                if existing.owner != actor {
                    changes.append(FieldChange(field: "owner", from: existing.owner, to: actor))
                }
                entry = AuditEntry(actor: actor, tenant: tenant, action: .jobUpdate, job: spec.slug, note: note, changes: changes)
            } else {
                id = UUID()
                let pausedBy: String? = spec.enabled ? nil : actor
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).jobs (id, tenant, slug, spec, spec_json, schedule, timezone, enabled,
                        misfire_policy, misfire_window_ms, next_fire_at, created_by, updated_by, owner, paused_by, paused_at)
                    VALUES (\(id), \(tenant), \(spec.slug), \(toml), \(json)::jsonb, \(spec.schedule.text), \(spec.timezone),
                        \(spec.enabled), \(spec.misfire.mode.rawValue), \(windowMs), \(spec.nextFire(after: now)),
                        \(actor), \(actor), \(actor), \(pausedBy), CASE WHEN \(spec.enabled) THEN NULL ELSE clock_timestamp() END)
                    """, logger: logger)
                entry = AuditEntry(actor: actor, tenant: tenant, action: .jobCreate, job: spec.slug)
            }
            for (position, output) in spec.outputs.enumerated() {
                let on = output.on.map(\.rawValue)
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).job_dispatch_targets (job_id, position, channel, on_status)
                    VALUES (\(id), \(position), \(output.channel), \(on))
                    """, logger: logger)
            }
            try await AuditLog.append(entry, schema: schema, on: connection, logger: logger)
            let record = try await Self.records(
                connection.query(
                    "SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).jobs WHERE id = \(id)", logger: logger)
            ).first!
            return existing == nil ? .created(record) : .updated(record)
        }
    }

    /// Enables or disables the job; nil when it does not exist. Disabling pauses it in the actor's
    /// name with an optional note, and cancels its queued runs (retries, a `queue` backlog, run-now
    /// requests not yet started); a running run goes on to its end. Enabling ends the pause.
    public func setEnabled(tenant: String, slug: String, enabled: Bool, actor: String, note: String? = nil) async throws -> JobRecord? {
        let schema = names.schema
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            // The stored spec says `enabled` too: it follows the column, so a GET, an edit or the
            // executor never reads the old value.
            var toml: String?
            for try await text in try await connection.query(
                """
                SELECT spec FROM \(unescaped: schema).jobs WHERE tenant = \(tenant) AND slug = \(slug) AND deleted_at IS NULL FOR UPDATE
                """, logger: logger
            ).decode(String.self) {
                if var spec = try? JobSpec(toml: text) {
                    spec.enabled = enabled
                    toml = spec.toml()
                }
            }
            guard
                let job = try await Self.records(
                    connection.query(
                        """
                        UPDATE \(unescaped: schema).jobs SET enabled = \(enabled), updated_at = clock_timestamp(),
                               spec = COALESCE(\(toml), spec), spec_json = jsonb_set(spec_json, '{enabled}', to_jsonb(\(enabled)::boolean)),
                               paused_by = CASE WHEN \(enabled) THEN NULL ELSE \(actor) END,
                               paused_at = CASE WHEN \(enabled) THEN NULL ELSE clock_timestamp() END,
                               pause_note = CASE WHEN \(enabled) THEN NULL ELSE \(note) END
                        WHERE tenant = \(tenant) AND slug = \(slug) AND deleted_at IS NULL RETURNING \(unescaped: Self.columns)
                        """, logger: logger)
                ).first
            else { return nil }
            if !enabled {
                try await Self.cancelRuns(
                    of: job.id, running: false, reason: "job disabled by \(actor)", actor: actor,
                    schema: schema, on: connection, logger: logger)
            }
            try await AuditLog.append(
                AuditEntry(actor: actor, tenant: tenant, action: enabled ? .jobEnable : .jobDisable, job: slug, note: note),
                schema: schema, on: connection, logger: logger)
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
            for try await deleted in try await connection.query(
                """
                UPDATE \(unescaped: schema).jobs
                   SET deleted_at = clock_timestamp(), deleted_by = \(actor), next_fire_at = NULL, updated_at = clock_timestamp()
                 WHERE tenant = \(tenant) AND slug = \(slug) AND deleted_at IS NULL RETURNING id
                """, logger: logger
            ).decode(UUID.self) {
                id = deleted
            }
            guard let id else { return false }
            try await Self.cancelRuns(
                of: id, running: true, reason: "job deleted by \(actor)", actor: actor,
                schema: schema, on: connection, logger: logger)
            try await AuditLog.append(
                AuditEntry(actor: actor, tenant: tenant, action: .jobDelete, job: slug),
                schema: schema, on: connection, logger: logger)
            return true
        }
    }

    /// Brings back the most recently soft-deleted job of the slug, when no live job has the slug;
    /// its next fire is computed afresh (strictly after `now`). Runs cancelled by the delete stay so.
    public func restore(tenant: String, slug: String, actor: String, now: Date) async throws -> RestoreResult {
        let schema = names.schema
        let logger = self.logger
        do {
            return try await client.withTransaction(logger: logger) { connection in
                var taken = false
                for try await _ in try await connection.query(
                    """
                    SELECT id FROM \(unescaped: schema).jobs WHERE tenant = \(tenant) AND slug = \(slug) AND deleted_at IS NULL
                    """, logger: logger
                ).decode(UUID.self) {
                    taken = true
                }
                guard !taken else { return .slugTaken }
                var found: (UUID, String, String)?
                for try await row in try await connection.query(
                    """
                    SELECT id, schedule, timezone FROM \(unescaped: schema).jobs
                     WHERE tenant = \(tenant) AND slug = \(slug) AND deleted_at IS NOT NULL
                     ORDER BY deleted_at DESC LIMIT 1 FOR UPDATE
                    """, logger: logger
                ).decode((UUID, String, String).self) {
                    found = row
                }
                guard let (id, schedule, timezone) = found else { return .notFound }
                let next = (try? Schedule(parsing: schedule))?.nextFire(after: now, in: TimeZone(identifier: timezone) ?? .gmt)
                guard
                    let job = try await Self.records(
                        connection.query(
                            """
                            UPDATE \(unescaped: schema).jobs
                               SET deleted_at = NULL, deleted_by = NULL, next_fire_at = \(next), unauthorized_at = NULL, updated_at = clock_timestamp()
                             WHERE id = \(id) RETURNING \(unescaped: Self.columns)
                            """, logger: logger)
                    ).first
                else { return .notFound }
                try await AuditLog.append(
                    AuditEntry(actor: actor, tenant: tenant, action: .jobRestore, job: slug),
                    schema: schema, on: connection, logger: logger)
                return .restored(job)
            }
        } catch let error as PostgresTransactionError where Self.isUniqueViolation(error.closureError) {
            return .slugTaken  // a create or another restore of the slug committed meanwhile
        }
    }

    /// Erases the live job of the slug or, when there is none, every soft-deleted job of the slug,
    /// with their runs, logs and dispatches (cascade). Refused while one of their runs is running,
    /// since erasing it would leave its child untracked.
    public func purge(tenant: String, slug: String, actor: String) async throws -> PurgeResult {
        let schema = names.schema
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            var live: [UUID] = []
            var deleted: [UUID] = []
            for try await (id, isDeleted) in try await connection.query(
                """
                SELECT id, deleted_at IS NOT NULL FROM \(unescaped: schema).jobs WHERE tenant = \(tenant) AND slug = \(slug) FOR UPDATE
                """, logger: logger
            ).decode((UUID, Bool).self) {
                if isDeleted { deleted.append(id) } else { live.append(id) }
            }
            let ids = live.isEmpty ? deleted : live
            guard !ids.isEmpty else { return .notFound }
            // Locking the active runs keeps a claim from starting one of them under the delete
            // (claims skip locked rows); one already claimed shows as running here.
            var running = 0
            for try await status in try await connection.query(
                """
                SELECT status FROM \(unescaped: schema).job_runs WHERE job_id = ANY(\(ids)) AND status IN ('queued', 'running') FOR UPDATE
                """, logger: logger
            ).decode(String.self) where status == "running" {
                running += 1
            }
            guard running == 0 else { return .running(running) }
            var runs = 0
            for try await count in try await connection.query(
                "SELECT count(*) FROM \(unescaped: schema).job_runs WHERE job_id = ANY(\(ids))", logger: logger
            ).decode(Int64.self) {
                runs = Int(count)
            }
            try await connection.query("DELETE FROM \(unescaped: schema).jobs WHERE id = ANY(\(ids))", logger: logger)
            let what = live.isEmpty ? "\(ids.count) deleted job\(ids.count == 1 ? "" : "s")" : "the live job"
            try await AuditLog.append(
                AuditEntry(
                    actor: actor, tenant: tenant, action: .jobPurge, job: slug,
                    note: "erased \(what) with \(runs) run\(runs == 1 ? "" : "s"), their logs and dispatches"),
                schema: schema, on: connection, logger: logger)
            return .purged(jobs: ids.count, runs: runs)
        }
    }

    static func isUniqueViolation(_ error: (any Error)?) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }

    /// Queued runs become `cancelled` with `reason`; with `running`, running runs get a cancel request,
    /// whose trigger NOTIFYs the active (the same path as `kjob cancel`).
    static func cancelRuns(
        of jobID: UUID, running: Bool, reason: String, actor: String, schema: String,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).job_runs
               SET status = 'cancelled', reason = \(reason), finished_at = clock_timestamp(),
                   cancel_requested_at = COALESCE(cancel_requested_at, clock_timestamp()), cancel_requested_by = \(actor)
             WHERE job_id = \(jobID) AND status = 'queued'
            """, logger: logger)
        guard running else { return }
        try await connection.query(
            """
            UPDATE \(unescaped: schema).job_runs
               SET cancel_requested_at = clock_timestamp(), cancel_requested_by = \(actor)
             WHERE job_id = \(jobID) AND status = 'running' AND cancel_requested_at IS NULL
            """, logger: logger)
    }
}
