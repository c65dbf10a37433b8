import Foundation
import KJobCore
import Logging
import PostgresNIO

/// Turns due fires into runs (DESIGN §7). Active only: every write is fenced by the epoch.
///
/// A pass works in batches: one fenced transaction locks up to `batchSize` due job rows
/// (`FOR UPDATE SKIP LOCKED`, oldest `next_fire_at` first) with their owner tokens, plans each
/// job's fires with ``FirePlan`` (misfire policy, disabled jobs, the owner's authority: see
/// ``KJobCore/OwnerAuthority``), inserts every fire of the batch in one
/// statement (queued, or skipped with its reason) and advances every `next_fire_at` in another.
/// The partial unique index on `(job_id, scheduled_for)` makes a second insert of a fire
/// impossible even if two materializers race; `SKIP LOCKED` keeps them off each other's jobs.
public struct Materializer: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// A fire later than this counts as missed and follows the job's misfire policy.
        public var misfireThreshold: Duration = .seconds(60)
        /// Longest sleep between passes even when nothing is due (NOTIFY usually wakes it sooner).
        public var maxSleep: Duration = .seconds(30)
        /// Most fires of one job enumerated in one pass; older ones beyond it are not recorded one by one.
        public var maxFiresPerPass: Int = 1000
        /// Cap on runs queued by a catch-up under the `all` policy.
        public var maxCatchUpRuns: Int = 100
        /// Due jobs locked and written per transaction.
        public var batchSize: Int = 500
        /// A transaction takes no further job once it has this many fires to write (long catch-ups);
        /// the jobs left over go to the next transaction of the pass.
        public var maxFiresPerTransaction: Int = 10_000

        public init() {}
    }

    /// Computes a job's next fire strictly after a date; nil when the schedule has none.
    public typealias NextFire = @Sendable (DueJob, Date) -> Date?

    /// The shared schedule engine, in the job's time zone.
    public static let scheduleNextFire: NextFire = { job, after in
        guard case .success(let schedule) = job.parsedSchedule else { return nil }
        return schedule.nextFire(after: after, in: job.timeZone)
    }

    public struct Report: Sendable, Hashable {
        public var queued = 0
        public var skipped = 0
        /// Earliest `next_fire_at` after the pass, for the sleep.
        public var earliestNextFire: Date?
        public init() {}
    }

    public let client: PostgresClient
    public let names: StoreNames
    public let nodeID: String
    public let configuration: Configuration
    public let now: @Sendable () -> Date
    public let nextFire: NextFire
    private let logger: Logger

    public init(
        client: PostgresClient, names: StoreNames, nodeID: String, configuration: Configuration = .init(),
        now: @escaping @Sendable () -> Date, nextFire: @escaping NextFire = Materializer.scheduleNextFire, logger: Logger
    ) {
        self.client = client
        self.names = names
        self.nodeID = nodeID
        self.configuration = configuration
        self.now = now
        self.nextFire = nextFire
        self.logger = logger
    }

    /// Loops until cancelled: materialize what is due, sleep until the earliest next fire
    /// (bounded by `maxSleep`), wake early when `wake` changes (job NOTIFY). Throws
    /// ``StaleEpochError`` when the epoch is no longer current. `onPass` sees each pass's report (metrics).
    public func run(epoch: Int64, wake: Observed<UInt64>, onPass: @Sendable (Report) -> Void = { _ in }) async throws {
        logger.info("materializer started", metadata: ["epoch": "\(epoch)"])
        defer { logger.info("materializer stopped", metadata: ["epoch": "\(epoch)"]) }
        while !Task.isCancelled {
            let version = wake.value
            let report = try await materializeDue(epoch: epoch)
            onPass(report)
            var sleep = configuration.maxSleep
            if let next = report.earliestNextFire {
                let untilNext = Duration.milliseconds(Int64((next.timeIntervalSince(now()) * 1000).rounded(.up)))
                sleep = max(min(sleep, untilNext), .milliseconds(5))
            }
            await wake.waitForChange(after: version, until: .now.advanced(by: sleep))
        }
    }

    /// One pass over every due job, one fenced transaction per batch.
    @discardableResult
    public func materializeDue(epoch: Int64) async throws -> Report {
        var report = Report()
        while true {
            let batch = try await materializeBatch(.due(limit: max(configuration.batchSize, 1)), epoch: epoch)
            report.queued += batch.queued
            report.skipped += batch.skipped
            // A short batch means nothing else is due, or the rest is locked by a racing materializer that writes it.
            guard batch.mayHaveMore, batch.jobs > 0 else { break }
        }
        for try await earliest in try await client.query(
            "SELECT min(next_fire_at) FROM \(unescaped: names.schema).jobs", logger: logger
        ).decode(Date?.self) {
            report.earliestNextFire = earliest
        }
        return report
    }

    /// One job, one fenced transaction (waits for its row lock). Returns (queued, skipped) counts actually inserted.
    public func materialize(jobID: UUID, epoch: Int64) async throws -> (Int, Int) {
        let batch = try await materializeBatch(.jobs([jobID]), epoch: epoch)
        return (batch.queued, batch.skipped)
    }

    /// Which job rows a batch locks.
    enum Selection: Sendable {
        /// The `limit` oldest due jobs not locked by another transaction.
        case due(limit: Int)
        /// These jobs, waiting for their locks; those not due are left alone.
        case jobs([UUID])
    }

    struct BatchReport: Sendable {
        var queued = 0
        var skipped = 0
        /// Jobs whose fires were written.
        var jobs = 0
        /// The batch was full or cut short, so more jobs may be due.
        var mayHaveMore = false
    }

    /// Locks the selected jobs, plans their fires and writes them, all under the epoch fence.
    func materializeBatch(_ selection: Selection, epoch: Int64) async throws -> BatchReport {
        let fencing = Fencing(client: client, names: names)
        let context = self
        let now = self.now()
        return try await fencing.withFencedTransaction(epoch: epoch, operation: "materialize", logger: logger) { connection in
            let locked = try await context.lockJobs(selection, now: now, on: connection)
            var planned: [(job: DueJob, plan: FirePlan)] = []
            var fireCount = 0
            for job in locked {
                guard fireCount < context.configuration.maxFiresPerTransaction else { break }
                guard let plan = context.plan(job, now: now) else { continue }
                planned.append((job, plan))
                fireCount += plan.fires.count
            }
            var report = BatchReport()
            report.jobs = planned.count
            if case .due(let limit) = selection {
                report.mayHaveMore = locked.count >= limit || planned.count < locked.count
            }
            guard !planned.isEmpty else { return report }
            (report.queued, report.skipped) = try await context.insertFires(planned, epoch: epoch, on: connection)
            try await context.advanceJobs(planned, on: connection)
            try await context.recordAuthority(planned, now: now, on: connection)
            if report.queued + report.skipped > 0 {
                context.logger.info(
                    "materialized fires",
                    metadata: [
                        "jobs": "\(planned.count)", "queued": "\(report.queued)", "skipped": "\(report.skipped)", "epoch": "\(epoch)"
                    ])
            }
            if context.logger.logLevel <= .debug {
                for (job, plan) in planned {
                    context.logger.debug(
                        "planned fires",
                        metadata: [
                            "job": "\(job.id)", "queued": "\(plan.queuedCount)", "skipped": "\(plan.fires.count - plan.queuedCount)",
                            "next_fire_at": "\(plan.nextFireAt.map { "\($0)" } ?? "none")"
                        ])
                }
            }
            return report
        }
    }

    func lockJobs(_ selection: Selection, now: Date, on connection: PostgresConnection) async throws -> [DueJob] {
        let schema = names.schema
        // The owner's token comes with the job: its authority is checked without a query per job.
        let columns = """
            j.id, j.schedule, j.timezone, j.enabled, j.next_fire_at, j.misfire_policy, j.misfire_window_ms,
            j.tenant, j.slug, j.owner, j.unauthorized_at IS NOT NULL, t.role, t.tenant, t.revoked_at, t.expires_at
            """
        let from = "\(schema).jobs j LEFT JOIN \(schema).api_tokens t ON t.name = j.owner"
        let query: PostgresQuery =
            switch selection {
            case .due(let limit):
                """
                SELECT \(unescaped: columns) FROM \(unescaped: from)
                 WHERE j.next_fire_at <= \(now) ORDER BY j.next_fire_at LIMIT \(limit) FOR UPDATE OF j SKIP LOCKED
                """
            case .jobs(let ids):
                "SELECT \(unescaped: columns) FROM \(unescaped: from) WHERE j.id = ANY(\(ids)) ORDER BY j.id FOR UPDATE OF j"
            }
        var jobs: [DueJob] = []
        for try await (
            id, schedule, timezone, enabled, nextFireAt, policy, windowMs, tenant, slug, owner, unauthorized,
            role, tokenTenant, revokedAt, expiresAt
        ) in try await connection.query(query, logger: logger)
            .decode(
                (
                    UUID, String, String, Bool, Date?, String, Int64, String, String, String?, Bool,
                    String?, String?, Date?, Date?
                ).self)
        {
            let misfire = MisfirePolicy(
                mode: MisfirePolicy.Mode(rawValue: policy) ?? .latest, window: .milliseconds(windowMs),
                maxCatchUp: configuration.maxCatchUpRuns)
            var job = DueJob(id: id, schedule: schedule, timezone: timezone, enabled: enabled, nextFireAt: nextFireAt, misfire: misfire)
            job.tenant = tenant
            job.slug = slug
            job.owner = owner
            job.unauthorized = unauthorized
            if let owner, let role {
                job.ownerToken = OwnerAuthority.Token(name: owner, role: role, tenant: tokenTenant, revokedAt: revokedAt, expiresAt: expiresAt)
            }
            jobs.append(job)
        }
        return jobs
    }

    /// Why the job's owner no longer covers it, if so.
    static func denial(_ job: DueJob, now: Date) -> OwnerAuthority.Denial? {
        OwnerAuthority.denial(owner: job.owner, token: job.ownerToken, jobTenant: job.tenant, now: now)
    }

    /// Audits each enabled job whose owner stopped covering it, once per lapse (`unauthorized_at`
    /// marks it), and clears the mark of jobs covered again.
    func recordAuthority(_ planned: [(job: DueJob, plan: FirePlan)], now: Date, on connection: PostgresConnection) async throws {
        var lapsed: [(job: DueJob, denial: OwnerAuthority.Denial)] = []
        var covered: [UUID] = []
        for (job, _) in planned where job.enabled {
            let denial = Self.denial(job, now: now)
            if let denial, !job.unauthorized { lapsed.append((job, denial)) }
            if denial == nil, job.unauthorized { covered.append(job.id) }
        }
        guard !lapsed.isEmpty || !covered.isEmpty else { return }
        let schema = names.schema
        try await connection.query(
            """
            UPDATE \(unescaped: schema).jobs SET unauthorized_at = CASE WHEN id = ANY(\(covered)) THEN NULL ELSE clock_timestamp() END
             WHERE id = ANY(\(lapsed.map(\.job.id) + covered))
            """, logger: logger)
        for (job, denial) in lapsed {
            logger.warning(
                "job's owner no longer covers it: its fires are skipped (unauthorized) until it is re-applied",
                metadata: ["job": "\(job.slug)", "tenant": "\(job.tenant)", "reason": "\(denial)"])
            try await AuditLog.append(
                AuditEntry(
                    actor: AuditAction.daemonActor, tenant: job.tenant, action: .jobUnauthorized, job: job.slug,
                    note: "\(denial); its fires are skipped until the job is re-applied with a valid token"),
                schema: schema, on: connection, logger: logger)
        }
    }

    /// The job's fires due at `now`; nil when it has none. Logs what an operator should hear about.
    func plan(_ job: DueJob, now: Date) -> FirePlan? {
        guard let first = job.nextFireAt else { return nil }
        let nextFire = self.nextFire
        guard
            let plan = FirePlan.due(
                first: first, now: now, misfire: job.misfire, enabled: job.enabled,
                authorized: Self.denial(job, now: now) == nil,
                onTimeThreshold: configuration.misfireThreshold, limit: configuration.maxFiresPerPass,
                nextFire: { nextFire(job, $0) })
        else { return nil }
        if plan.isTruncated {
            logger.warning(
                "job missed more fires than one pass records; the oldest are recorded, the rest skipped silently",
                metadata: ["job": "\(job.id)", "recorded": "\(plan.fires.count)"])
        }
        if plan.nextFireAt == nil, case .failure(let error) = job.parsedSchedule {
            logger.warning(
                "job's schedule does not parse: it fires no more until re-applied",
                metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
        return plan
    }

    /// Inserts every planned fire in one statement; returns the (queued, skipped) rows actually inserted.
    func insertFires(_ planned: [(job: DueJob, plan: FirePlan)], epoch: Int64, on connection: PostgresConnection) async throws -> (Int, Int) {
        var ids: [UUID] = []
        var jobIDs: [UUID] = []
        var times: [Date] = []
        var keys: [String] = []
        var reasons: [String] = []
        for (job, plan) in planned {
            for fire in plan.fires {
                ids.append(UUID())
                jobIDs.append(job.id)
                times.append(fire.scheduledFor)
                keys.append(Self.fireKey(fire.scheduledFor))
                reasons.append(fire.skipReason?.rawValue ?? "")
            }
        }
        // Arrays cannot carry NULL here: '' stands for "no skip reason", i.e. queued.
        let insert: PostgresQuery = """
            WITH inserted AS (
                INSERT INTO \(unescaped: names.schema).job_runs
                    (id, job_id, scheduled_for, fire_key, manual, attempt, status, reason, node, epoch, queued_at, finished_at)
                SELECT f.id, f.job_id, f.scheduled_for, f.fire_key, false, 1,
                       CASE WHEN f.reason = '' THEN 'queued' ELSE 'skipped' END, NULLIF(f.reason, ''),
                       \(nodeID), \(epoch), now(), CASE WHEN f.reason = '' THEN NULL ELSE now() END
                  FROM unnest(\(ids)::uuid[], \(jobIDs)::uuid[], \(times)::timestamptz[], \(keys)::text[], \(reasons)::text[])
                       AS f(id, job_id, scheduled_for, fire_key, reason)
                 ORDER BY f.scheduled_for
                ON CONFLICT (job_id, scheduled_for) WHERE attempt = 1 AND NOT manual DO NOTHING
                RETURNING status
            )
            SELECT count(*) FILTER (WHERE status = 'queued'), count(*) FILTER (WHERE status = 'skipped') FROM inserted
            """
        var counts = (0, 0)
        for try await (queued, skipped) in try await connection.query(insert, logger: logger).decode((Int64, Int64).self) {
            counts = (Int(queued), Int(skipped))
        }
        return counts
    }

    /// Advances every planned job's `next_fire_at` and `last_fire_at` in one statement.
    func advanceJobs(_ planned: [(job: DueJob, plan: FirePlan)], on connection: PostgresConnection) async throws {
        // Arrays cannot carry NULL here: `has_next` false stands for "no further fire".
        let ids = planned.map(\.job.id)
        let hasNext = planned.map { $0.plan.nextFireAt != nil }
        let next = planned.map { $0.plan.nextFireAt ?? $0.plan.lastFireAt }
        let last = planned.map(\.plan.lastFireAt)
        try await connection.query(
            """
            UPDATE \(unescaped: names.schema).jobs j
               SET next_fire_at = CASE WHEN u.has_next THEN u.next_fire_at END, last_fire_at = u.last_fire_at
              FROM unnest(\(ids)::uuid[], \(hasNext)::boolean[], \(next)::timestamptz[], \(last)::timestamptz[])
                   AS u(id, has_next, next_fire_at, last_fire_at)
             WHERE j.id = u.id
            """, logger: logger)
    }

    /// The fire key of a scheduled fire: its UTC time to the millisecond.
    public static func fireKey(_ date: Date) -> String {
        "at:" + RFC3339.formatUTCMilliseconds(date)
    }
}
