import Foundation
import KJobCore
import Logging
import PostgresNIO

/// Claims and finishes runs (DESIGN §7), every write fenced by the epoch.
///
/// - `claim`: queued runs whose `not_before` is due, `FOR UPDATE SKIP LOCKED`, queued → running
///   once, applying the job's overlap policy (`skip` records the run `skipped`/overlap, `queue`
///   leaves it waiting (at most `maxQueued` of them, newer fires are skipped), `replace` asks the running ones to cancel and waits, `allow` starts it).
///   Manual runs (run-now) always start.
/// - `finish`: running → terminal, and in the same transaction either the next attempt (a
///   retryable failure with retries left: same fire key, `not_before` = now + full-jitter
///   backoff) or the dispatch outbox rows of the fire's final outcome.
/// - `recoverLost`: on takeover, runs of older epochs still `running` become `lost` and follow
///   the same rule, a retry not before `started_at + timeout + kill_grace`.
public struct RunQueue: Sendable {
    public let client: PostgresClient
    public let names: StoreNames
    public let nodeID: String
    /// `http.public_url`, the base of log links in dispatches.
    public let publicURL: String
    /// How many runs of a `queue` job wait at most behind its running one.
    public let maxQueued: Int
    private let logger: Logger

    public init(client: PostgresClient, names: StoreNames, nodeID: String, publicURL: String = "",
                maxQueued: Int = OverlapPolicy.defaultMaxQueued, logger: Logger) {
        self.client = client
        self.names = names
        self.nodeID = nodeID
        self.publicURL = publicURL
        self.maxQueued = maxQueued
        self.logger = logger
    }

    public struct ClaimReport: Sendable, Hashable {
        public var claimed: [ClaimedRun] = []
        /// Runs recorded `skipped` (overlap) by this claim.
        public var skipped: [UUID] = []
        /// Running runs asked to cancel by a `replace` job's new run.
        public var cancelRequested: [UUID] = []
        public init() {}
    }

    // MARK: - Claim

    /// Claims up to `limit` due runs for this node under `epoch`.
    public func claim(epoch: Int64, limit: Int, now: Date) async throws -> ClaimReport {
        guard limit > 0 else { return ClaimReport() }
        let fencing = Fencing(client: client, names: names)
        let schema = names.schema
        let nodeID = self.nodeID
        let maxQueued = self.maxQueued
        let logger = self.logger
        let report = try await Self.unwrapped {
            try await fencing.withFencedTransaction(epoch: epoch, operation: "claim", logger: logger) { connection in
                var report = ClaimReport()
                // The overlap policy and the job's running runs come with each candidate; the spec itself is read
                // only for the runs that start (candidates are over-fetched past the ones that must wait).
                typealias Row = (UUID, UUID, String, Date, String, Bool, Int, Bool, String?, [UUID], Bool, Bool)
                var candidates: [Row] = []
                let select: PostgresQuery = """
                    SELECT r.id, r.job_id, j.slug, r.scheduled_for, r.fire_key, r.manual, r.attempt, j.spec_json IS NOT NULL, j.spec_json->>'overlap',
                           ARRAY(SELECT x.id FROM \(unescaped: schema).job_runs x WHERE x.job_id = r.job_id AND x.status = 'running'),
                           j.enabled, j.deleted_at IS NOT NULL
                      FROM \(unescaped: schema).job_runs r JOIN \(unescaped: schema).jobs j ON j.id = r.job_id
                     WHERE r.status = 'queued' AND (r.not_before IS NULL OR r.not_before <= \(now))
                     ORDER BY COALESCE(r.not_before, r.queued_at), r.queued_at, r.scheduled_for
                     LIMIT \(limit + 32 + maxQueued)
                       FOR UPDATE OF r SKIP LOCKED
                    """
                for try await row in try await connection.query(select, logger: logger).decode(Row.self) {
                    candidates.append(row)
                }
                guard !candidates.isEmpty else { return report }
                var runningByJob: [UUID: [UUID]] = [:]
                for candidate in candidates where runningByJob[candidate.1] == nil {
                    runningByJob[candidate.1] = candidate.9
                }
                // Runs of a `queue` job already left waiting in this claim, oldest first: past
                // `maxQueued` of them the newer fires are skipped (`overlap`), so a job slower than
                // its schedule cannot grow an endless backlog.
                var waitingByJob: [UUID: [UUID]] = [:]
                var starting: [Row] = []
                var skips: [SkipReason: [UUID]] = [:]
                var victims: [UUID] = []
                for row in candidates {
                    guard starting.count < limit else { break }
                    let (id, jobID, _, _, _, manual, _, hasSpec, overlapText, _, enabled, deleted) = row
                    // Delete and disable cancel queued runs in their own transaction; a retry or fire
                    // that committed beside them is caught here. A run-now of a disabled job runs.
                    if deleted || (!enabled && !manual) {
                        let reason: SkipReason = deleted ? .deleted : .disabled
                        skips[reason, default: []].append(id)
                        report.skipped.append(id)
                        continue
                    }
                    let overlap: OverlapPolicy = manual ? .allow : Self.overlap(hasSpec: hasSpec, stored: overlapText)
                    let running = (runningByJob[jobID] ?? []).map { OverlapPolicy.ActiveRun(id: $0, status: .running) }
                    let waiting = (waitingByJob[jobID] ?? []).map { OverlapPolicy.ActiveRun(id: $0, status: .queued) }
                    switch overlap.decide(activeRuns: running + waiting, maxQueued: maxQueued) {
                    case .start:
                        runningByJob[jobID, default: []].append(id)
                        starting.append(row)
                    case .skip(let reason):
                        skips[reason, default: []].append(id)
                        report.skipped.append(id)
                    case .enqueue:
                        waitingByJob[jobID, default: []].append(id)
                    case .cancelThenStart(let asked):
                        // The new run starts at a later claim, once the cancelled ones have ended
                        // (only running runs are asked: nothing waits behind a `replace` job).
                        victims += asked.filter { !victims.contains($0) }
                    }
                }
                if !starting.isEmpty {
                    var specs: [UUID: String?] = [:]
                    for try await (id, specJSON) in try await connection.query("""
                        UPDATE \(unescaped: schema).job_runs r
                           SET status = 'running', node = \(nodeID), epoch = \(epoch), started_at = \(now)
                          FROM \(unescaped: schema).jobs j
                         WHERE r.id = ANY(\(starting.map(\.0))) AND r.status = 'queued' AND j.id = r.job_id
                        RETURNING r.id, j.spec_json::text
                        """, logger: logger).decode((UUID, String?).self) {
                        specs[id] = specJSON
                    }
                    for (id, jobID, slug, scheduledFor, fireKey, manual, attempt, _, _, _, _, _) in starting {
                        guard let specJSON = specs[id] else { continue }
                        report.claimed.append(ClaimedRun(id: id, jobID: jobID, job: slug, scheduledFor: scheduledFor, fireKey: fireKey,
                                                         manual: manual, attempt: attempt, epoch: epoch, startedAt: now,
                                                         spec: Self.storedSpec(specJSON)))
                    }
                }
                for (reason, ids) in skips {
                    try await connection.query("""
                        UPDATE \(unescaped: schema).job_runs
                           SET status = 'skipped', reason = \(reason.rawValue), node = \(nodeID), epoch = \(epoch), finished_at = \(now)
                         WHERE id = ANY(\(ids)) AND status = 'queued'
                        """, logger: logger)
                }
                if !victims.isEmpty {
                    try await connection.query("""
                        UPDATE \(unescaped: schema).job_runs SET cancel_requested_at = \(now)
                         WHERE id = ANY(\(victims)) AND status = 'running' AND cancel_requested_at IS NULL
                        """, logger: logger)
                    report.cancelRequested += victims
                }
                return report
            }
        }
        if !report.claimed.isEmpty || !report.skipped.isEmpty {
            logger.debug("claimed runs", metadata: ["claimed": "\(report.claimed.count)", "skipped": "\(report.skipped.count)", "epoch": "\(epoch)"])
        }
        return report
    }

    // MARK: - Finish

    /// What a finish wrote besides the run's own row.
    public struct FinishReport: Sendable, Hashable {
        /// The next attempt queued, when the failure is retried.
        public var retry: (id: UUID, notBefore: Date)? {
            get { retryID.map { ($0, retryNotBefore!) } }
            set { retryID = newValue?.id; retryNotBefore = newValue?.notBefore }
        }
        public var retryID: UUID?
        public var retryNotBefore: Date?
        /// Outbox rows written.
        public var dispatches: [UUID] = []
        public init() {}
    }

    /// Ends a run this node claimed under `epoch`. Throws ``StaleEpochError`` when the node lost
    /// the lease and ``RunNotRunningError`` when the run is no longer running under this epoch.
    @discardableResult
    public func finish(_ run: ClaimedRun, result: RunResult, epoch: Int64) async throws -> FinishReport {
        let fencing = Fencing(client: client, names: names)
        let schema = names.schema
        let logger = self.logger
        let context = self
        return try await Self.unwrapped {
            try await fencing.withFencedTransaction(epoch: epoch, operation: "finish", logger: logger) { connection in
                var startedAt: Date?
                var targets: [OutputTarget]?
                // The job's output targets come back with the update (one round trip less per run).
                for try await (started, channels, events) in try await connection.query("""
                    UPDATE \(unescaped: schema).job_runs r
                       SET status = \(result.status.rawValue), exit_code = \(result.exitCode.map(Int.init)), signal = \(result.signal.map(Int.init)),
                           reason = \(result.reason), finished_at = \(result.finishedAt),
                           log_bytes = \(result.logBytes), log_truncated = \(result.logTruncated)
                     WHERE r.id = \(run.id) AND r.status = 'running' AND r.epoch = \(epoch)
                    RETURNING r.started_at,
                        ARRAY(SELECT t.channel FROM \(unescaped: schema).job_dispatch_targets t WHERE t.job_id = r.job_id ORDER BY t.position),
                        ARRAY(SELECT array_to_string(t.on_status, ',') FROM \(unescaped: schema).job_dispatch_targets t
                               WHERE t.job_id = r.job_id ORDER BY t.position)
                    """, logger: logger).decode((Date?, [String], [String]).self) {
                    startedAt = started
                    targets = zip(channels, events).map { Self.target(channel: $0, on: $1.split(separator: ",").map(String.init)) }
                }
                guard let targets else {
                    logger.error("finish rejected: run is not running under this epoch", metadata: ["run": "\(run.id)", "epoch": "\(epoch)"])
                    throw RunNotRunningError(runID: run.id, epoch: epoch)
                }
                return try await context.afterTerminal(
                    connection, run: run, status: result.status, result: result, startedAt: startedAt,
                    spec: try? run.spec.get(), retryNotBefore: nil, now: result.finishedAt, epoch: epoch, targets: targets)
            }
        }
    }

    /// The retry or the dispatches of a run that just became terminal, in the caller's transaction.
    func afterTerminal(_ connection: PostgresConnection, run: ClaimedRun, status: RunStatus, result: RunResult, startedAt: Date?,
                       spec: JobSpec?, retryNotBefore earliest: Date?, now: Date, epoch: Int64,
                       targets known: [OutputTarget]? = nil) async throws -> FinishReport {
        let schema = names.schema
        var report = FinishReport()
        if status.isRetryableFailure, let spec, case .retry(_, let delay) = spec.retries.decide(afterFailedAttempt: run.attempt) {
            var notBefore = now.addingTimeInterval(Double(delay.milliseconds) / 1000)
            if let earliest, earliest > notBefore { notBefore = earliest }
            let id = UUID()
            let reason = "retry after attempt \(run.attempt) \(status.rawValue)"
            try await connection.query("""
                INSERT INTO \(unescaped: schema).job_runs
                    (id, job_id, scheduled_for, fire_key, manual, attempt, status, reason, node, epoch, queued_at, not_before, trigger)
                VALUES (\(id), \(run.jobID), \(run.scheduledFor), \(run.fireKey), \(run.manual), \(run.attempt + 1),
                        'queued', \(reason), \(nodeID), \(epoch), now(), \(notBefore), \(RunTriggerKind.retry.rawValue))
                ON CONFLICT (job_id, fire_key, attempt) DO NOTHING
                """, logger: logger)
            report.retry = (id, notBefore)
            logger.info("run will be retried", metadata: ["run": "\(run.id)", "job": "\(run.job)", "attempt": "\(run.attempt + 1)",
                                                          "not_before": "\(notBefore)"])
            return report
        }
        var targets: [OutputTarget] = known ?? []
        if known == nil {
            for try await (channel, on) in try await connection.query("""
                SELECT channel, on_status FROM \(unescaped: schema).job_dispatch_targets WHERE job_id = \(run.jobID) ORDER BY position
                """, logger: logger).decode((String, [String]).self) {
                targets.append(Self.target(channel: channel, on: on))
            }
        }
        let stdout = DispatchPayload.text(ofTail: result.stdoutTail)
        for target in targets where target.wants(status) {
            let id = UUID()
            let payload = DispatchPayload.make(
                channel: target.channel, job: run.job, runID: run.id.uuidString.lowercased(), scheduledFor: run.scheduledFor,
                attempt: run.attempt, outcome: status, exitCode: result.exitCode, startedAt: startedAt ?? result.finishedAt,
                finishedAt: result.finishedAt, stdout: stdout, reason: result.reason, publicURL: publicURL)
            let json = String(decoding: try payload.jsonData(), as: UTF8.self)
            try await connection.query("""
                INSERT INTO \(unescaped: schema).dispatches (id, run_id, channel, payload)
                VALUES (\(id), \(run.id), \(target.channel), \(json)::jsonb)
                ON CONFLICT (run_id, channel) DO NOTHING
                """, logger: logger)
            report.dispatches.append(id)
        }
        return report
    }

    // MARK: - Takeover

    /// Marks runs of older epochs still `running` as `lost` (they died with the old active, or
    /// it was cut off and has killed them); retries them per policy, not before
    /// `started_at + timeout + kill_grace`. Returns the runs marked.
    @discardableResult
    public func recoverLost(epoch: Int64, now: Date, killGrace: Duration) async throws -> [UUID] {
        let fencing = Fencing(client: client, names: names)
        let schema = names.schema
        let logger = self.logger
        let context = self
        return try await Self.unwrapped {
            try await fencing.withFencedTransaction(epoch: epoch, operation: "recover-lost", logger: logger) { connection in
                typealias Row = (UUID, UUID, String, Date, String, Bool, Int, Date?, Int64?, String?)
                var rows: [Row] = []
                for try await row in try await connection.query("""
                    UPDATE \(unescaped: schema).job_runs r
                       SET status = 'lost', finished_at = \(now),
                           reason = 'the node running it (' || COALESCE(r.node, '?') || ', epoch ' || COALESCE(r.epoch::text, '?') || ') lost the lease'
                      FROM \(unescaped: schema).jobs j
                     WHERE j.id = r.job_id AND r.status = 'running' AND (r.epoch IS NULL OR r.epoch < \(epoch))
                    RETURNING r.id, r.job_id, j.slug, r.scheduled_for, r.fire_key, r.manual, r.attempt, r.started_at, r.epoch, j.spec_json::text
                    """, logger: logger).decode(Row.self) {
                    rows.append(row)
                }
                for (id, jobID, slug, scheduledFor, fireKey, manual, attempt, startedAt, oldEpoch, specJSON) in rows {
                    let spec = Self.storedSpec(specJSON)
                    let run = ClaimedRun(id: id, jobID: jobID, job: slug, scheduledFor: scheduledFor, fireKey: fireKey, manual: manual,
                                         attempt: attempt, epoch: oldEpoch ?? 0, startedAt: startedAt ?? now, spec: spec)
                    let timeout = (try? spec.get())?.timeout ?? JobSpec.defaultTimeout
                    let earliest = (startedAt ?? now).addingTimeInterval(Double((timeout + killGrace).milliseconds) / 1000)
                    let result = RunResult(status: .lost, reason: "the node running it lost the lease", finishedAt: now)
                    _ = try await context.afterTerminal(connection, run: run, status: .lost, result: result, startedAt: startedAt,
                                                        spec: try? spec.get(), retryNotBefore: earliest, now: now, epoch: epoch)
                }
                if !rows.isEmpty {
                    logger.warning("runs of an old epoch marked lost", metadata: ["count": "\(rows.count)", "epoch": "\(epoch)"])
                }
                return rows.map(\.0)
            }
        }
    }

    // MARK: - Cancel and run-now

    /// Of `ids`, the runs an operator (or a `replace` overlap) asked to cancel.
    public func cancelRequested(among ids: [UUID]) async throws -> [UUID] {
        guard !ids.isEmpty else { return [] }
        var found: [UUID] = []
        for try await id in try await client.query("""
            SELECT id FROM \(unescaped: names.schema).job_runs WHERE id = ANY(\(ids)) AND cancel_requested_at IS NOT NULL
            """, logger: logger).decode(UUID.self) {
            found.append(id)
        }
        return found
    }

    /// Asks to cancel a run: a queued one becomes `cancelled` at once, a running one is killed by
    /// the active (which NOTIFY wakes). Returns the run's status afterwards; nil if unknown.
    @discardableResult
    public func requestCancel(runID: UUID) async throws -> String? {
        let schema = names.schema
        var status: String?
        for try await value in try await client.query("""
            UPDATE \(unescaped: schema).job_runs
               SET cancel_requested_at = COALESCE(cancel_requested_at, now()),
                   status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                   finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
                   reason = CASE WHEN status = 'queued' THEN 'cancelled before it started' ELSE reason END
             WHERE id = \(runID)
            RETURNING status
            """, logger: logger).decode(String.self) {
            status = value
        }
        return status
    }

    /// Queues a manual run of a job (run-now) with its own fire key; NOTIFY wakes the active.
    public func enqueueManual(jobID: UUID, now: Date) async throws -> UUID {
        let id = UUID()
        try await client.query("""
            INSERT INTO \(unescaped: names.schema).job_runs (id, job_id, scheduled_for, fire_key, manual, attempt, status, queued_at, trigger)
            VALUES (\(id), \(jobID), \(now), \("manual:" + id.uuidString.lowercased()), true, 1, 'queued', now(), \(RunTriggerKind.manual.rawValue))
            """, logger: logger)
        return id
    }

    /// A `job_dispatch_targets` row; no events means every outcome.
    static func target(channel: String, on: [String]) -> OutputTarget {
        OutputTarget(channel: channel, on: on.isEmpty ? [.always] : on.compactMap(OutputEvent.init(rawValue:)))
    }

    /// The overlap policy of a stored spec, read without decoding the whole spec: a missing key is
    /// the reader's default (`skip`); no spec or an unknown value means the spec is unreadable, and
    /// the run starts only to fail at once with the reason.
    static func overlap(hasSpec: Bool, stored: String?) -> OverlapPolicy {
        guard hasSpec else { return .allow }
        guard let stored else { return .skip }
        return OverlapPolicy(rawValue: stored) ?? .allow
    }

    /// The job's `spec_json` as a validated ``JobSpec`` (the API wrote it from one).
    static func storedSpec(_ json: String?) -> Result<JobSpec, JobSpecError> {
        guard let json else {
            return .failure(JobSpecError(errors: [FieldError(field: "", message: "the job has no stored spec; re-apply it")]))
        }
        do throws(JobSpecError) { return .success(try JobSpec(json: Data(json.utf8))) } catch { return .failure(error) }
    }

    /// PostgresNIO wraps errors thrown inside a transaction; callers want the typed ones.
    static func unwrapped<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError { throw inner }
            throw error
        }
    }
}
