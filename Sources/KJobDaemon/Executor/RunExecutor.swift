import Foundation
import KJobCore
import KJobMetrics
import KJobSandbox
import KJobStore
import Logging

/// Leader-only run loop (DESIGN §7, §8): on takeover ends older epochs' running runs
/// (`recoverLost`), then claims due runs (woken by `<schema>_runs` NOTIFY, else every
/// `pollInterval`) up to `maxParallel`, runs each in the sandbox with its logs going to Postgres
/// (and the log file), and finishes it under the same epoch.
///
/// The runs are child tasks of ``run(epoch:)``, which lasts as long as the activation: its
/// claim loop never ends on an error (a failed claim, check or recovery is logged and tried
/// again next tick), so only the activation's end (demotion, shutdown; ``LeaderWorkService``
/// cancels it) or a stale epoch kills them (`killAll(.demoted)`). A killed run's end is written
/// under the same epoch while it is still current; otherwise the next active records it `lost`.
public struct RunExecutor: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Runs executed at once by this node (`executor.max_parallel`).
        public var maxParallel: Int = 16
        /// Claim poll interval when no NOTIFY arrives (retries coming due, missed notifications).
        public var pollInterval: Duration = .seconds(1)
        /// `executor.kill_grace`: also how long after its timeout a lost run may still be dying.
        public var killGrace: Duration = .seconds(5)
        /// Postgres log batches: flushed at this size or age.
        public var logBatchBytes: Int = 64 << 10
        public var logBatchDelay: Duration = .milliseconds(100)
        /// Bound on every database call of the run path: claims, cancel checks, recovery passes,
        /// a run's finish and its log inserts. Past it the call's connection is closed and the call
        /// fails: claims and checks are tried again next tick, a finish is retried, a Postgres log
        /// sink stops (the log file keeps the rest). kjobd sets it to twice `lease.timeout` (8 s
        /// by default): a node that cannot reach Postgres for that long has demoted itself anyway.
        public var databaseDeadline: Duration = .seconds(8)
        /// Pause between attempts to record a run's end (200 ms, doubling, at most 5 s).
        public var finishBackoff = CappedBackoff(initial: .milliseconds(200), maximum: .seconds(5))
        /// How often the claim loop ends this epoch's runs that are `running` in Postgres but
        /// tracked by no task here (``RunQueue/recoverUntracked(epoch:tracked:now:deadline:)``).
        public var recoveryInterval: Duration = .seconds(10)
        public init() {}
    }

    public let configuration: Configuration
    public let queue: RunQueue
    public let logs: RunLogStore
    public let sandbox: SandboxExecutor
    /// Bumped by run NOTIFYs (new queued run, cancel request) and finished runs.
    public let wake: Observed<UInt64>
    /// Bumped by cancel-request NOTIFYs alone. When set, the loop asks Postgres for cancel
    /// requests only after it changed (or every `pollInterval`), not at every wake: in a burst
    /// that is one query less per run. Nil: at every wake.
    public let cancels: Observed<UInt64>?
    public let now: @Sendable () -> Date
    /// Runs by status, lateness, spawn time and running children are recorded here.
    public let metrics: KJobMetrics
    private let logger: Logger

    public init(
        configuration: Configuration, queue: RunQueue, logs: RunLogStore, sandbox: SandboxExecutor,
        wake: Observed<UInt64>, cancels: Observed<UInt64>? = nil, now: @escaping @Sendable () -> Date,
        metrics: KJobMetrics? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.metrics = metrics ?? KJobMetrics(nodeID: queue.nodeID, version: "")
        self.queue = queue
        self.logs = logs
        self.sandbox = sandbox
        self.wake = wake
        self.cancels = cancels
        self.now = now
        self.logger = logger
    }

    /// Runs until cancelled (the activation ends) or the epoch turns out stale (throws).
    public func run(epoch: Int64) async throws {
        logger.info("executor started", metadata: ["epoch": "\(epoch)", "max_parallel": "\(configuration.maxParallel)"])
        defer { logger.info("executor stopped", metadata: ["epoch": "\(epoch)"]) }
        let running = RunningRuns()
        let sandbox = self.sandbox
        var loop = ClaimLoop()
        try await withTaskCancellationHandler {
            try await withThrowingDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let version = wake.snapshot.version
                    do {
                        try await tick(epoch: epoch, running: running, loop: &loop) { claimed, handle in
                            group.addTask { await self.execute(claimed, handle: handle, running: running, epoch: epoch) }
                        }
                    } catch let error as StaleEpochError {
                        throw error
                    } catch {
                        // Never fatal: the runs in flight go on; the step is tried again next tick.
                        if Task.isCancelled { break }
                        logger.warning("claim loop step failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                    }
                    await wake.waitForChange(after: version, until: .now.advanced(by: configuration.pollInterval))
                }
                sandbox.killAll(.demoted)
            }
        } onCancel: {
            sandbox.killAll(.demoted)
        }
    }

    /// The claim loop's memory between ticks.
    struct ClaimLoop {
        /// Older epochs' runs have been recovered (nothing is claimed before).
        var recovered = false
        var cancelsChecked: (version: UInt64?, at: ContinuousClock.Instant)?
        var lastRecovery = ContinuousClock.now
    }

    /// One tick, in order: recovery of older epochs (until it succeeded once), claims into the
    /// free slots (each started at once by `start`), cancel checks, and every `recoveryInterval`
    /// the pass over untracked runs. Claims and that pass never overlap (one loop), so every run
    /// this node claimed is tracked when the pass reads the tracked set.
    func tick(
        epoch: Int64, running: RunningRuns, loop: inout ClaimLoop,
        start: (ClaimedRun, RunHandle) -> Void
    ) async throws {
        let deadline = configuration.databaseDeadline
        if !loop.recovered {
            let recovered = try await queue.recoverLost(epoch: epoch, now: now(), killGrace: configuration.killGrace, deadline: deadline)
            loop.recovered = true
            loop.lastRecovery = .now
            countEnded(recovered)
        }
        let free = configuration.maxParallel - running.count
        if free > 0 {
            let report = try await queue.claim(epoch: epoch, limit: free, now: now(), deadline: deadline)
            metrics.runsEnded(.skipped, count: report.skipped.count)
            for claimed in report.claimed {
                let handle = RunHandle(onSpawn: spawnObserver(for: claimed))
                running.insert(claimed.id, handle: handle)
                start(claimed, handle)
            }
            for id in report.cancelRequested { running.cancel(id) }
        }
        let ids = running.ids
        let cancelVersion = cancels?.value
        let due =
            loop.cancelsChecked.map {
                cancelVersion == nil || $0.version != cancelVersion
                    || ContinuousClock.now - $0.at >= configuration.pollInterval
            } ?? true
        if !ids.isEmpty, due {
            loop.cancelsChecked = (cancelVersion, .now)
            for id in try await queue.cancelRequested(among: ids, deadline: deadline) { running.cancel(id) }
        }
        if ContinuousClock.now - loop.lastRecovery >= configuration.recoveryInterval {
            loop.lastRecovery = .now
            countEnded(try await queue.recoverUntracked(epoch: epoch, tracked: running.ids, now: now(), deadline: deadline))
        }
    }

    private func countEnded(_ recovered: [RecoveredRun]) {
        for run in recovered { metrics.runsEnded(run.status) }
    }

    /// One run: sandbox, logs, finish. Never throws; failures to record are logged. The run stays
    /// tracked (`running`) until its finish is written or given up.
    func execute(_ claimed: ClaimedRun, handle: RunHandle, running: RunningRuns, epoch: Int64) async {
        var logger = self.logger
        logger[metadataKey: "run"] = "\(claimed.id)"
        logger[metadataKey: "job"] = "\(claimed.job)"
        let result: RunResult
        switch claimed.spec {
        case .failure(let error):
            result = RunResult(status: .failed, reason: "\(error); re-apply the job with a valid spec", finishedAt: now())
        case .success(let spec):
            let sink = PostgresLogSink(
                runID: claimed.id, store: logs, maxBatchBytes: configuration.logBatchBytes,
                maxDelay: configuration.logBatchDelay, deadline: configuration.databaseDeadline)
            let request = Self.request(for: claimed, spec: spec, sinks: [sink])
            logger.info("run starting", metadata: ["attempt": "\(claimed.attempt)", "scheduled_for": "\(claimed.scheduledFor)"])
            metrics.runningChildren(+1)
            let outcome = await Self.runFlushing(
                sandbox: sandbox, request: request, handle: handle, sink: sink,
                interval: configuration.logBatchDelay)
            metrics.runningChildren(-1)
            result = Self.result(of: outcome, operatorCancel: running.isCancelRequested(claimed.id), finishedAt: now())
        }
        await finish(claimed, result: result, epoch: epoch, logger: logger)
        running.remove(claimed.id)
        wake.update { $0 &+= 1 }
    }

    /// Writes the run's end, retried with `finishBackoff` until it commits: a transient error (a
    /// deadline, a lost connection, a serialization failure) must not leave the run `running`.
    /// It gives up when the epoch is stale or the run no longer runs under it (the new active
    /// recovers it), when the activation has ended (after one last attempt: during a graceful
    /// release the epoch is still current), or on an error no retry can fix; the recovery pass
    /// (``RunQueue/recoverUntracked(epoch:tracked:now:deadline:)``, or the next active's
    /// ``RunQueue/recoverLost(epoch:now:killGrace:deadline:)``) then ends the run.
    func finish(_ claimed: ClaimedRun, result: RunResult, epoch: Int64, logger: Logger) async {
        let queue = self.queue
        let deadline = configuration.databaseDeadline
        var failures = 0
        while true {
            // Not cancelled with the activation: the attempt runs to its end (bounded by its deadline).
            let attempt = await Task {
                do {
                    return Result<RunQueue.FinishReport, any Error>.success(try await queue.finish(claimed, result: result, epoch: epoch, deadline: deadline))
                } catch { return .failure(error) }
            }.value
            do {
                let report = try attempt.get()
                let status = report.status ?? result.status
                metrics.runsEnded(status)
                logger.info(
                    "run finished",
                    metadata: [
                        "status": "\(status.rawValue)", "exit_code": "\(result.exitCode.map(String.init) ?? "-")",
                        "retry": "\(report.retryID.map { "\($0)" } ?? "none")", "dispatches": "\(report.dispatches.count)"
                    ])
                return
            } catch let error as StaleEpochError {
                logger.warning("run result not recorded: \(error); the new active records the run lost")
                return
            } catch let error as RunNotRunningError {
                // After a failed attempt, that attempt may have committed with its reply lost.
                logger.warning("run result not recorded: \(error)", metadata: ["earlier_attempts": "\(failures)"])
                return
            } catch {
                failures += 1
                if DatabaseFailure.isPermanent(error) {
                    logger.error(
                        "run result cannot be recorded; the recovery pass will end the run",
                        metadata: ["error": "\(String(reflecting: error))", "status": "\(result.status.rawValue)"])
                    return
                }
                if Task.isCancelled {
                    logger.warning(
                        "run result not recorded before the activation ended; the next active's recovery ends the run",
                        metadata: ["error": "\(String(reflecting: error))", "status": "\(result.status.rawValue)"])
                    return
                }
                let delay = configuration.finishBackoff.delay(afterFailures: failures)
                logger.warning(
                    "run result not recorded; retrying",
                    metadata: [
                        "error": "\(String(reflecting: error))", "attempt": "\(failures)", "retry_in": "\(delay)"
                    ])
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// The sandbox run plus a ticker that flushes the Postgres log batch every `interval`.
    static func runFlushing(
        sandbox: SandboxExecutor, request: RunRequest, handle: RunHandle, sink: PostgresLogSink,
        interval: Duration
    ) async -> RunOutcome {
        await withTaskGroup(of: RunOutcome?.self) { group in
            group.addTask { await sandbox.run(request, handle: handle) }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    try? await sink.flushIfDue()
                }
                return nil
            }
            var outcome: RunOutcome?
            while let next = await group.next() {
                if let next {
                    outcome = next
                    group.cancelAll()
                }
            }
            return outcome!
        }
    }

    /// The sandbox request for a claimed run.
    static func request(for claimed: ClaimedRun, spec: JobSpec, sinks: [any RunLogSink]) -> RunRequest {
        let identity = RunIdentity(
            runID: claimed.id.uuidString.lowercased(), job: claimed.job, scheduledFor: claimed.scheduledFor,
            attempt: claimed.attempt, epoch: claimed.epoch)
        return RunRequest(
            identity: identity, agent: spec.agent, prompt: spec.prompt, sandbox: spec.sandbox,
            environment: spec.env, timeout: spec.timeout, logSinks: sinks)
    }

    /// What the store records. A kill that was not an operator's cancel (demotion, shutdown) is `lost`.
    static func result(of outcome: RunOutcome, operatorCancel: Bool, finishedAt: Date) -> RunResult {
        var status = outcome.status
        if status == .cancelled, !operatorCancel { status = .lost }
        var reason: String?
        if let error = outcome.error {
            reason = error.description
        } else if status == .timedOut {
            reason = "killed after its timeout"
        } else if status == .cancelled {
            reason = "cancelled by request"
        } else if status == .lost {
            reason = "killed: this node stopped being active"
        } else if status == .failed, let termination = outcome.termination {
            reason = "\(termination)"
        }
        return RunResult(
            status: status, exitCode: outcome.exitCode, signal: outcome.signal, reason: reason, finishedAt: finishedAt,
            logBytes: outcome.log.capturedBytes, logTruncated: outcome.log.truncated, stdoutTail: outcome.stdoutTail)
    }
}
