import Foundation
import KJobCore
import Logging
import PostgresNIO

/// Claims and finishes runs (DESIGN §7), every write fenced by the epoch.
///
/// - `claim`: queued runs whose `not_before` is due, `FOR UPDATE SKIP LOCKED`, queued → running
///   once, applying the job's overlap policy (`skip` records the run `skipped`/overlap, `queue`
///   leaves it waiting (at most `maxQueued` of them, newer fires are skipped), `replace` asks the running ones to cancel and waits, `allow` starts it).
///   Manual runs (run-now) always start. Backfill runs wait for each other and for the job's running
///   runs, whatever the policy: one at a time, oldest first (only a job's earliest waiting one is a candidate).
/// - `finish`: running → terminal, and in the same transaction either the next attempt (a
///   retryable failure with retries left: same fire key, `not_before` = now + full-jitter
///   backoff) or the dispatch outbox rows of the fire's final outcome.
/// - `recoverLost`: on takeover, runs of older epochs still `running` become `lost` and follow
///   the same rule, a retry not before `started_at + timeout + kill_grace`; `recoverUntracked`
///   does the same for this epoch's runs the executor no longer tracks. A run with a cancel
///   request is recorded `cancelled` instead (no retry).
///
/// The executor's calls take a `deadline` (nil: none): past it the call's connection is closed
/// and ``DatabaseDeadlineError`` thrown, so their bodies send every query with `queryIfOpen`.
public struct RunQueue: Sendable {
    public let client: PostgresClient
    public let names: StoreNames
    public let nodeID: String
    /// `http.public_url`, the base of log links in dispatches.
    public let publicURL: String
    /// How many runs of a `queue` job wait at most behind its running one.
    public let maxQueued: Int
    private let logger: Logger

    public init(
        client: PostgresClient, names: StoreNames, nodeID: String, publicURL: String = "",
        maxQueued: Int = OverlapPolicy.defaultMaxQueued, logger: Logger
    ) {
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

    /// Claims up to `limit` due runs for this node under `epoch`. A claim that fails on its
    /// deadline may still have committed: ``recoverUntracked(epoch:tracked:now:deadline:)`` ends such runs.
    public func claim(epoch: Int64, limit: Int, now: Date, deadline: Duration? = nil) async throws -> ClaimReport {
        guard limit > 0 else { return ClaimReport() }
        let fencing = Fencing(client: client, names: names)
        let schema = names.schema
        let nodeID = self.nodeID
        let maxQueued = self.maxQueued
        let logger = self.logger
        let report = try await fencing.withFencedTransaction(epoch: epoch, operation: "claim", deadline: deadline, logger: logger) { connection in
            var report = ClaimReport()
            // The overlap policy and the job's running runs come with each candidate; the spec itself is read
            // only for the runs that start (candidates are over-fetched past the ones that must wait).
            typealias Row = (UUID, UUID, String, Date, String, Bool, Int, Bool, String?, [UUID], Bool, Bool, Bool)
            var candidates: [Row] = []
            let select: PostgresQuery = """
                SELECT r.id, r.job_id, j.slug, r.scheduled_for, r.fire_key, r.manual, r.attempt, j.spec_json IS NOT NULL, j.spec_json->>'overlap',
                       ARRAY(SELECT x.id FROM \(unescaped: schema).job_runs x WHERE x.job_id = r.job_id AND x.status = 'running'),
                       j.enabled, j.deleted_at IS NOT NULL, r.backfill
                  FROM \(unescaped: schema).job_runs r JOIN \(unescaped: schema).jobs j ON j.id = r.job_id
                 WHERE r.status = 'queued' AND (r.not_before IS NULL OR r.not_before <= \(now))
                   AND NOT (r.backfill AND EXISTS (
                       SELECT 1 FROM \(unescaped: schema).job_runs b
                        WHERE b.job_id = r.job_id AND b.backfill AND b.status = 'queued'
                          AND (b.scheduled_for, b.attempt) < (r.scheduled_for, r.attempt)))
                 ORDER BY COALESCE(r.not_before, r.queued_at), r.queued_at, r.scheduled_for
                 LIMIT \(limit + 32 + maxQueued)
                   FOR UPDATE OF r SKIP LOCKED
                """
            for row in try await connection.queryIfOpen(select, logger: logger) {
                candidates.append(try row.decode(Row.self))
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
                let (id, jobID, _, _, _, manual, _, hasSpec, overlapText, _, enabled, deleted, backfill) = row
                // Delete and disable cancel queued runs in their own transaction; a retry or fire
                // that committed beside them is caught here. A run-now of a disabled job runs.
                if deleted || (!enabled && !manual) {
                    let reason: SkipReason = deleted ? .deleted : .disabled
                    skips[reason, default: []].append(id)
                    report.skipped.append(id)
                    continue
                }
                let overlap: OverlapPolicy = manual ? .allow : backfill ? .queue : Self.overlap(hasSpec: hasSpec, stored: overlapText)
                let running = (runningByJob[jobID] ?? []).map { OverlapPolicy.ActiveRun(id: $0, status: .running) }
                let waiting = (waitingByJob[jobID] ?? []).map { OverlapPolicy.ActiveRun(id: $0, status: .queued) }
                // A backfill's own cap bounds its backlog; the queue limit is for fires that keep coming.
                switch overlap.decide(activeRuns: running + waiting, maxQueued: backfill ? .max : maxQueued) {
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
                for row in try await connection.queryIfOpen(
                    """
                    UPDATE \(unescaped: schema).job_runs r
                       SET status = 'running', node = \(nodeID), epoch = \(epoch), started_at = \(now)
                      FROM \(unescaped: schema).jobs j
                     WHERE r.id = ANY(\(starting.map(\.0))) AND r.status = 'queued' AND j.id = r.job_id
                    RETURNING r.id, j.spec_json::text
                    """, logger: logger)
                {
                    let (id, specJSON) = try row.decode((UUID, String?).self)
                    specs[id] = specJSON
                }
                for (id, jobID, slug, scheduledFor, fireKey, manual, attempt, _, _, _, _, _, _) in starting {
                    guard let specJSON = specs[id] else { continue }
                    report.claimed.append(
                        ClaimedRun(
                            id: id, jobID: jobID, job: slug, scheduledFor: scheduledFor, fireKey: fireKey,
                            manual: manual, attempt: attempt, epoch: epoch, startedAt: now,
                            spec: Self.storedSpec(specJSON)))
                }
            }
            for (reason, ids) in skips {
                _ = try await connection.queryIfOpen(
                    """
                    UPDATE \(unescaped: schema).job_runs
                       SET status = 'skipped', reason = \(reason.rawValue), node = \(nodeID), epoch = \(epoch), finished_at = \(now)
                     WHERE id = ANY(\(ids)) AND status = 'queued'
                    """, logger: logger)
            }
            if !victims.isEmpty {
                _ = try await connection.queryIfOpen(
                    """
                    UPDATE \(unescaped: schema).job_runs SET cancel_requested_at = \(now)
                     WHERE id = ANY(\(victims)) AND status = 'running' AND cancel_requested_at IS NULL
                    """, logger: logger)
                report.cancelRequested += victims
            }
            return report
        }
        if !report.claimed.isEmpty || !report.skipped.isEmpty {
            logger.debug("claimed runs", metadata: ["claimed": "\(report.claimed.count)", "skipped": "\(report.skipped.count)", "epoch": "\(epoch)"])
        }
        return report
    }

    // MARK: - Finish

    /// What a finish wrote besides the run's own row.
    public struct FinishReport: Sendable, Hashable {
        /// The status recorded: the result's, except that a `lost` run with a cancel request is
        /// recorded `cancelled` (the operator's request outlives the kill).
        public var status: RunStatus?
        /// The next attempt queued, when the failure is retried.
        public var retry: (id: UUID, notBefore: Date)? {
            get { retryID.map { ($0, retryNotBefore!) } }
            set {
                retryID = newValue?.id
                retryNotBefore = newValue?.notBefore
            }
        }
        public var retryID: UUID?
        public var retryNotBefore: Date?
        /// Outbox rows written.
        public var dispatches: [UUID] = []
        public init() {}
    }

    /// Ends a run this node claimed under `epoch`. Throws ``StaleEpochError`` when the node lost
    /// the lease and ``RunNotRunningError`` when the run is no longer running under this epoch.
    /// The reason and the stdout tail are stored as ``StorableText``. A result whose status a
    /// running run cannot move to (``RunStatus/canTransition(to:)``) throws ``RunTransitionError``
    /// before anything is written.
    @discardableResult
    public func finish(_ run: ClaimedRun, result: RunResult, epoch: Int64, deadline: Duration? = nil) async throws -> FinishReport {
        guard RunStatus.running.canTransition(to: result.status) else {
            throw RunTransitionError(runID: run.id, from: .running, to: result.status)
        }
        let fencing = Fencing(client: client, names: names)
        let schema = names.schema
        let logger = self.logger
        let context = self
        var result = result
        result.reason = StorableText.clean(result.reason)
        let stored = result
        return try await fencing.withFencedTransaction(epoch: epoch, operation: "finish", deadline: deadline, logger: logger) { connection in
            // The job's output targets come back with the update (one round trip less per run).
            let row = try await connection.queryIfOpen(
                """
                UPDATE \(unescaped: schema).job_runs r
                   SET status = CASE WHEN \(stored.status.rawValue) = 'lost' AND r.cancel_requested_at IS NOT NULL
                                     THEN 'cancelled' ELSE \(stored.status.rawValue) END,
                       reason = CASE WHEN \(stored.status.rawValue) = 'lost' AND r.cancel_requested_at IS NOT NULL
                                     THEN 'cancelled by request' ELSE \(stored.reason) END,
                       exit_code = \(stored.exitCode.map(Int.init)), signal = \(stored.signal.map(Int.init)),
                       finished_at = \(stored.finishedAt), log_bytes = \(stored.logBytes), log_truncated = \(stored.logTruncated)
                 WHERE r.id = \(run.id) AND r.status = 'running' AND r.epoch = \(epoch)
                RETURNING r.status, r.reason, r.started_at,
                    ARRAY(SELECT t.channel FROM \(unescaped: schema).job_dispatch_targets t WHERE t.job_id = r.job_id ORDER BY t.position),
                    ARRAY(SELECT array_to_string(t.on_status, ',') FROM \(unescaped: schema).job_dispatch_targets t
                           WHERE t.job_id = r.job_id ORDER BY t.position)
                """, logger: logger
            ).first
            guard let row else {
                logger.error("finish rejected: run is not running under this epoch", metadata: ["run": "\(run.id)", "epoch": "\(epoch)"])
                throw RunNotRunningError(runID: run.id, epoch: epoch)
            }
            let (statusText, reason, startedAt, channels, events) = try row.decode((String, String?, Date?, [String], [String]).self)
            let targets = zip(channels, events).map { Self.target(channel: $0, on: $1.split(separator: ",").map(String.init)) }
            let status = RunStatus(rawValue: statusText) ?? stored.status
            var recorded = stored
            recorded.status = status
            recorded.reason = reason
            var report = try await context.afterTerminal(
                connection, run: run, status: status, result: recorded, startedAt: startedAt,
                spec: try? run.spec.get(), retryNotBefore: nil, now: stored.finishedAt, epoch: epoch, targets: targets)
            report.status = status
            return report
        }
    }

    /// The retry or the dispatches of a run that just became terminal, in the caller's transaction.
    func afterTerminal(
        _ connection: PostgresConnection, run: ClaimedRun, status: RunStatus, result: RunResult, startedAt: Date?,
        spec: JobSpec?, retryNotBefore earliest: Date?, now: Date, epoch: Int64,
        targets known: [OutputTarget]? = nil
    ) async throws -> FinishReport {
        let schema = names.schema
        var report = FinishReport()
        if status.isRetryableFailure, let spec, case .retry(_, let delay) = spec.retries.decide(afterFailedAttempt: run.attempt) {
            var notBefore = now.addingTimeInterval(delay.timeInterval)
            if let earliest, earliest > notBefore { notBefore = earliest }
            let id = UUID()
            let reason = "retry after attempt \(run.attempt) \(status.rawValue)"
            _ = try await connection.queryIfOpen(
                """
                INSERT INTO \(unescaped: schema).job_runs
                    (id, job_id, scheduled_for, fire_key, manual, attempt, status, reason, node, epoch, queued_at, not_before, backfill, trigger)
                VALUES (\(id), \(run.jobID), \(run.scheduledFor), \(run.fireKey), \(run.manual), \(run.attempt + 1),
                        'queued', \(reason), \(nodeID), \(epoch), now(), \(notBefore),
                        COALESCE((SELECT b.backfill FROM \(unescaped: schema).job_runs b WHERE b.id = \(run.id)), false),
                        \(RunTriggerKind.retry.rawValue))
                ON CONFLICT (job_id, fire_key, attempt) DO NOTHING
                """, logger: logger)
            report.retry = (id, notBefore)
            logger.info(
                "run will be retried",
                metadata: [
                    "run": "\(run.id)", "job": "\(run.job)", "attempt": "\(run.attempt + 1)",
                    "not_before": "\(notBefore)"
                ])
            return report
        }
        var targets: [OutputTarget] = known ?? []
        if known == nil {
            for row in try await connection.queryIfOpen(
                """
                SELECT channel, on_status FROM \(unescaped: schema).job_dispatch_targets WHERE job_id = \(run.jobID) ORDER BY position
                """, logger: logger)
            {
                let (channel, on) = try row.decode((String, [String]).self)
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
            _ = try await connection.queryIfOpen(
                """
                INSERT INTO \(unescaped: schema).dispatches (id, run_id, channel, payload)
                VALUES (\(id), \(run.id), \(target.channel), \(json)::jsonb)
                ON CONFLICT (run_id, channel) DO NOTHING
                """, logger: logger)
            report.dispatches.append(id)
        }
        return report
    }

    // MARK: - Recovery

    /// On takeover: marks runs of older epochs still `running` as `lost` (they died with the old
    /// active, or it was cut off and has killed them); retries them per policy, not before
    /// `started_at + timeout + kill_grace`. A run with a cancel request is recorded `cancelled`
    /// (no retry): the operator's request survives the failover. Returns the runs ended.
    @discardableResult
    public func recoverLost(epoch: Int64, now: Date, killGrace: Duration, deadline: Duration? = nil) async throws -> [RecoveredRun] {
        try await recover(.olderEpochs, epoch: epoch, now: now, killGrace: killGrace, deadline: deadline)
    }

    /// The executor's periodic pass: ends this node's runs of the current `epoch` that are
    /// `running` in Postgres but not among `tracked` (the runs with a live task in the executor,
    /// kept until their finish is written or given up). Such a run has no child: its claim
    /// committed although the call failed on its deadline, or its finish failed for good. Ended
    /// `lost` and retried per policy at once (`cancelled` when a cancel was requested). The
    /// caller must not claim while this runs, so that every run it claimed is in `tracked`.
    @discardableResult
    public func recoverUntracked(epoch: Int64, tracked: [UUID], now: Date, deadline: Duration? = nil) async throws -> [RecoveredRun] {
        try await recover(.untracked(tracked), epoch: epoch, now: now, killGrace: .zero, deadline: deadline)
    }

    enum Recovery: Sendable {
        case olderEpochs
        case untracked([UUID])
    }

    func recover(_ recovery: Recovery, epoch: Int64, now: Date, killGrace: Duration, deadline: Duration?) async throws -> [RecoveredRun] {
        let fencing = Fencing(client: client, names: names)
        let schema = names.schema
        let nodeID = self.nodeID
        let logger = self.logger
        let context = self
        let (operation, why): (String, String) =
            switch recovery {
            case .olderEpochs: ("recover-lost", "the node running it lost the lease")
            case .untracked: ("recover-untracked", "its end could not be recorded by the node running it")
            }
        return try await fencing.withFencedTransaction(epoch: epoch, operation: operation, deadline: deadline, logger: logger) { connection in
            typealias Row = (UUID, UUID, String, Date, String, Bool, Int, Date?, Int64?, String?, String, String)
            var rows: [Row] = []
            // Older epochs (no epoch counts as older), or this node's runs of this epoch outside `tracked`.
            let (epochs, node, tracked): (ClosedRange<Int64>, String?, [UUID]) =
                switch recovery {
                case .olderEpochs: (Int64.min...(epoch - 1), nil, [])
                case .untracked(let tracked): (epoch...epoch, nodeID, tracked)
                }
            for row in try await connection.queryIfOpen(
                """
                UPDATE \(unescaped: schema).job_runs r
                   SET status = CASE WHEN r.cancel_requested_at IS NULL THEN 'lost' ELSE 'cancelled' END,
                       finished_at = \(now),
                       reason = CASE WHEN r.cancel_requested_at IS NULL THEN '' ELSE 'cancelled by request; ' END
                                || \(why) || ' (' || COALESCE(r.node, '?') || ', epoch ' || COALESCE(r.epoch::text, '?') || ')'
                  FROM \(unescaped: schema).jobs j
                 WHERE j.id = r.job_id AND r.status = 'running'
                   AND COALESCE(r.epoch, \(Int64.min)) BETWEEN \(epochs.lowerBound) AND \(epochs.upperBound)
                   AND (\(node)::text IS NULL OR r.node = \(node)) AND NOT (r.id = ANY(\(tracked)))
                RETURNING r.id, r.job_id, j.slug, r.scheduled_for, r.fire_key, r.manual, r.attempt, r.started_at, r.epoch,
                          j.spec_json::text, r.status, r.reason
                """, logger: logger)
            {
                rows.append(try row.decode(Row.self))
            }
            for (id, jobID, slug, scheduledFor, fireKey, manual, attempt, startedAt, oldEpoch, specJSON, statusText, reason) in rows {
                let spec = Self.storedSpec(specJSON)
                let status = RunStatus(rawValue: statusText) ?? .lost
                let run = ClaimedRun(
                    id: id, jobID: jobID, job: slug, scheduledFor: scheduledFor, fireKey: fireKey, manual: manual,
                    attempt: attempt, epoch: oldEpoch ?? 0, startedAt: startedAt ?? now, spec: spec)
                var earliest: Date?
                if case .olderEpochs = recovery {
                    // The old active's child may still be dying until its timeout and kill grace.
                    let timeout = (try? spec.get())?.timeout ?? JobSpec.defaultTimeout
                    earliest = (startedAt ?? now).addingTimeInterval((timeout + killGrace).timeInterval)
                }
                let result = RunResult(status: status, reason: reason, finishedAt: now)
                _ = try await context.afterTerminal(
                    connection, run: run, status: status, result: result, startedAt: startedAt,
                    spec: try? spec.get(), retryNotBefore: earliest, now: now, epoch: epoch)
            }
            if !rows.isEmpty {
                let cancelled = rows.count { $0.10 == RunStatus.cancelled.rawValue }
                logger.warning(
                    "running runs without a live child ended",
                    metadata: [
                        "operation": "\(operation)", "lost": "\(rows.count - cancelled)", "cancelled": "\(cancelled)", "epoch": "\(epoch)"
                    ])
            }
            return rows.map { RecoveredRun(id: $0.0, status: RunStatus(rawValue: $0.10) ?? .lost) }
        }
    }

    // MARK: - Cancel and run-now

    /// Of `ids`, the runs an operator (or a `replace` overlap) asked to cancel.
    public func cancelRequested(among ids: [UUID], deadline: Duration? = nil) async throws -> [UUID] {
        guard !ids.isEmpty else { return [] }
        let schema = names.schema
        let logger = self.logger
        return try await client.withConnection(deadline: deadline, operation: "cancel-check", logger: logger) { connection in
            try await connection.queryIfOpen(
                """
                SELECT id FROM \(unescaped: schema).job_runs WHERE id = ANY(\(ids)) AND cancel_requested_at IS NOT NULL
                """, logger: logger
            ).map { try $0.decode(UUID.self) }
        }
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
