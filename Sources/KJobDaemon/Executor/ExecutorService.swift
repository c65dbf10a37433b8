import Foundation
import KJobCore
import KJobMetrics
import KJobSandbox
import KJobStore
import Logging

/// Leader-only run loop (DESIGN §7, §8): on takeover marks older epochs' running runs `lost`,
/// then claims due runs (woken by `<schema>_runs` NOTIFY, else every `pollInterval`) up to
/// `maxParallel`, runs each in the sandbox with its logs going to Postgres (and the log file),
/// and finishes it under the same epoch.
///
/// Runs are child tasks of this worker: when the node stops being active, ``LeaderWorkService``
/// cancels it, every run is killed (`killAll(.demoted)`) and its finish fails fencing; the new
/// active records it `lost`.
public struct ExecutorService: Sendable {
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

    public init(configuration: Configuration, queue: RunQueue, logs: RunLogStore, sandbox: SandboxExecutor,
                wake: Observed<UInt64>, cancels: Observed<UInt64>? = nil, now: @escaping @Sendable () -> Date,
                metrics: KJobMetrics? = nil, logger: Logger) {
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

    /// Runs until cancelled (demotion, shutdown) or the epoch turns out stale (throws).
    public func run(epoch: Int64) async throws {
        logger.info("executor started", metadata: ["epoch": "\(epoch)", "max_parallel": "\(configuration.maxParallel)"])
        defer { logger.info("executor stopped", metadata: ["epoch": "\(epoch)"]) }
        let lost = try await queue.recoverLost(epoch: epoch, now: now(), killGrace: configuration.killGrace)
        metrics.runsEnded(.lost, count: lost.count)
        if !lost.isEmpty { logger.warning("marked runs of the previous active lost", metadata: ["count": "\(lost.count)"]) }
        let running = RunningRuns()
        let sandbox = self.sandbox
        var cancelsChecked: (version: UInt64?, at: ContinuousClock.Instant)? = nil
        try await withTaskCancellationHandler {
            try await withThrowingDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let version = wake.snapshot.version
                    do {
                        let free = configuration.maxParallel - running.count
                        if free > 0 {
                            let report = try await queue.claim(epoch: epoch, limit: free, now: now())
                            metrics.runsEnded(.skipped, count: report.skipped.count)
                            for id in report.cancelRequested { running.cancel(id) }
                            for claimed in report.claimed {
                                let handle = RunHandle(onSpawn: spawnObserver(for: claimed))
                                running.insert(claimed.id, handle: handle)
                                group.addTask {
                                    await self.execute(claimed, handle: handle, running: running, epoch: epoch)
                                }
                            }
                        }
                        let ids = running.ids
                        let cancelVersion = cancels?.value
                        let due = cancelsChecked.map { cancelVersion == nil || $0.version != cancelVersion
                            || ContinuousClock.now - $0.at >= configuration.pollInterval } ?? true
                        if !ids.isEmpty, due {
                            cancelsChecked = (cancelVersion, .now)
                            for id in try await queue.cancelRequested(among: ids) { running.cancel(id) }
                        }
                    } catch let error as StaleEpochError {
                        throw error
                    } catch {
                        // A transient database error must not kill the runs in flight: retry on the next tick.
                        if Task.isCancelled { break }
                        logger.warning("claim failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                    }
                    await wake.waitForChange(after: version, until: .now.advanced(by: configuration.pollInterval))
                }
                sandbox.killAll(.demoted)
            }
        } onCancel: {
            sandbox.killAll(.demoted)
        }
    }

    /// One run: sandbox, logs, finish. Never throws; failures to record are logged.
    func execute(_ claimed: ClaimedRun, handle: RunHandle, running: RunningRuns, epoch: Int64) async {
        var logger = self.logger
        logger[metadataKey: "run"] = "\(claimed.id)"
        logger[metadataKey: "job"] = "\(claimed.job)"
        let result: RunResult
        switch claimed.spec {
        case .failure(let error):
            result = RunResult(status: .failed, reason: "\(error); re-apply the job with a valid spec", finishedAt: now())
            _ = running.remove(claimed.id)
        case .success(let spec):
            let sink = PostgresLogSink(runID: claimed.id, store: logs, maxBatchBytes: configuration.logBatchBytes,
                                       maxDelay: configuration.logBatchDelay)
            let request = Self.request(for: claimed, spec: spec, sinks: [sink])
            logger.info("run starting", metadata: ["attempt": "\(claimed.attempt)", "scheduled_for": "\(claimed.scheduledFor)"])
            metrics.runningChildren(+1)
            let outcome = await Self.runFlushing(sandbox: sandbox, request: request, handle: handle, sink: sink,
                                                 interval: configuration.logBatchDelay)
            metrics.runningChildren(-1)
            let operatorCancel = running.remove(claimed.id)
            result = Self.result(of: outcome, operatorCancel: operatorCancel, finishedAt: now())
        }
        // Recorded even when this worker is being cancelled (a restart or shutdown while still
        // active): otherwise the run would stay `running` under a current epoch. Awaited here; a
        // demoted node's write still fails fencing once the new active has bumped the epoch.
        let queue = self.queue
        let recorded = await Task {
            do { return Result<RunQueue.FinishReport, any Error>.success(try await queue.finish(claimed, result: result, epoch: epoch)) }
            catch { return .failure(error) }
        }.value
        do {
            let report = try recorded.get()
            metrics.runsEnded(result.status)
            logger.info("run finished", metadata: ["status": "\(result.status.rawValue)", "exit_code": "\(result.exitCode.map(String.init) ?? "-")",
                                                   "retry": "\(report.retryID.map { "\($0)" } ?? "none")", "dispatches": "\(report.dispatches.count)"])
        } catch let error as StaleEpochError {
            logger.warning("run result not recorded: \(error)")
        } catch let error as RunNotRunningError {
            logger.warning("run result not recorded: \(error)")
        } catch {
            logger.error("run result not recorded", metadata: ["error": "\(String(reflecting: error))"])
        }
        wake.update { $0 &+= 1 }
    }

    /// The sandbox run plus a ticker that flushes the Postgres log batch every `interval`.
    static func runFlushing(sandbox: SandboxExecutor, request: RunRequest, handle: RunHandle, sink: PostgresLogSink,
                            interval: Duration) async -> RunOutcome {
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
                if let next { outcome = next; group.cancelAll() }
            }
            return outcome!
        }
    }

    /// The sandbox request for a claimed run.
    static func request(for claimed: ClaimedRun, spec: JobSpec, sinks: [any RunLogSink]) -> RunRequest {
        let sandbox = SandboxSpec(backend: spec.sandbox.backend, image: spec.sandbox.image, network: spec.sandbox.network,
                                  memoryBytes: spec.sandbox.memoryBytes, cpus: spec.sandbox.cpuCores, pids: spec.sandbox.pids)
        let identity = RunIdentity(runID: claimed.id.uuidString.lowercased(), job: claimed.job, scheduledFor: claimed.scheduledFor,
                                   attempt: claimed.attempt, epoch: claimed.epoch)
        return RunRequest(identity: identity, agent: spec.agent, prompt: spec.prompt, sandbox: sandbox,
                          environment: spec.env, timeout: spec.timeout, logSinks: sinks)
    }

    /// What the store records. A kill that was not an operator's cancel (demotion, shutdown) is `lost`.
    static func result(of outcome: RunOutcome, operatorCancel: Bool, finishedAt: Date) -> RunResult {
        var status: RunStatus = switch outcome.status {
        case .succeeded: .succeeded
        case .failed: .failed
        case .timedOut: .timedOut
        case .cancelled: .cancelled
        case .lost: .lost
        }
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
        return RunResult(status: status, exitCode: outcome.exitCode, signal: outcome.signal, reason: reason, finishedAt: finishedAt,
                         logBytes: outcome.log.capturedBytes, logTruncated: outcome.log.truncated, stdoutTail: outcome.stdoutTail)
    }
}
