import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
    import KJobCore
#endif

/// Runs jobs in sandboxed child processes and captures their output.
///
/// `run(_:handle:)` sets up the working directory, cgroups and log file, spawns the agent through
/// `kjob-spawn` (and bwrap or a container engine), streams output to the sinks, enforces the
/// timeout, and kills the whole tree on timeout, cancellation (of the calling task) or
/// `RunHandle.kill` / `killAll(_:)` (demotion). It never throws: every failure is a `RunOutcome`.
public final class SandboxExecutor: Sendable {
    public let configuration: SandboxConfiguration
    public let agents: AgentRegistry
    let logger: Logger
    let cgroups: CgroupLayout?
    private let active = Mutex<[String: RunHandle]>([:])
    private let probes = Mutex(ProbeCache())
    private let now: @Sendable () -> ContinuousClock.Instant

    /// `now` is the clock a failed probe's lifetime is measured on (injected by tests).
    public init(
        configuration: SandboxConfiguration, agents: AgentRegistry, logger: Logger = Logger(label: "kjob.sandbox"),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.configuration = configuration
        self.agents = agents
        self.logger = logger
        self.now = now
        var layout: CgroupLayout?
        if configuration.useCgroups {
            let detected = CgroupLayout.parse(
                procSelfCgroup: SystemFiles.read("/proc/self/cgroup") ?? "",
                mounts: SystemFiles.read("/proc/mounts") ?? "")
            let prepared = RunCgroup.prepare(detected)
            if prepared.unified != nil { layout = prepared }
        }
        cgroups = layout
        if layout == nil {
            Self.becomeSubreaper()
            logger.notice("no writable cgroup v2 with cgroup.kill; run trees are tracked by session, process group and /proc")
        } else {
            logger.debug(
                "run cgroups",
                metadata: [
                    "unified": "\(layout?.unified ?? "-")", "pids": "\(layout?.pids ?? "-")",
                    "memory": "\(layout?.memory ?? "-")"
                ])
        }
    }

    /// Whether each run gets its own cgroup (and so its limits on memory and processes hold).
    public var usesCgroups: Bool { cgroups != nil }

    /// Kills every running run (demotion: the node must go quiet at once).
    public func killAll(_ reason: KillReason) {
        for handle in active.withLock({ Array($0.values) }) { handle.kill(reason) }
    }

    public var runningCount: Int { active.withLock { $0.count } }

    /// Runs one request to the end; cancelling the calling task kills the run (`cancelled`).
    /// One `RunHandle` serves one run.
    public func run(_ request: RunRequest, handle: RunHandle = RunHandle()) async -> RunOutcome {
        // The run must outlive the caller's cancellation: cancelling means "kill the tree and
        // report", which needs working sleeps (kill_grace) and event delivery. So it runs in its own
        // task, awaited right here, and the caller's cancellation becomes a kill request.
        let execution = Task {
            await self.runShielded(request, handle: handle)
        }
        return await withTaskCancellationHandler {
            await execution.value
        } onCancel: {
            handle.kill(.cancelled)
        }
    }

    private func runShielded(_ request: RunRequest, handle: RunHandle) async -> RunOutcome {
        let startedAt = Date()
        let runID = request.identity.runID
        var logger = logger
        logger[metadataKey: "run"] = "\(runID)"
        logger[metadataKey: "job"] = "\(request.identity.job)"
        active.withLock { $0[runID] = handle }
        defer { _ = active.withLock { $0.removeValue(forKey: runID) } }

        func notStarted(_ error: SandboxError?) -> RunOutcome {
            let reason = handle.reason
            return RunOutcome(
                status: RunOutcome.status(
                    termination: nil, killReason: reason,
                    error: error
                        ?? SandboxError(
                            .spawnFailed, "killed (\(reason?.rawValue ?? "-")) before it started", fix: "none needed")),
                termination: nil, killReason: reason, error: error, pid: nil,
                startedAt: startedAt, endedAt: Date(), log: LogSummary(), stdoutTail: [],
                sinkFailures: [], logFile: nil, keptWorkdir: nil, strayProcesses: [])
        }
        let prepared: PreparedRun
        do {
            prepared = try await prepare(request)
        } catch {
            logger.warning("run not started: \(error)")
            return notStarted(error)
        }
        if handle.reason != nil {
            // Killed while being set up: never start it.
            prepared.cgroup?.remove()
            try? FileManager.default.removeItem(atPath: prepared.workdir)
            if let envFile = prepared.envFile { unlink(envFile) }
            for sink in prepared.sinks { try? await sink.finish(LogSummary()) }
            return notStarted(nil)
        }
        return await execute(prepared, request: request, handle: handle, startedAt: startedAt, logger: logger)
    }

    /// Probes a backend on this node: bwrap must create its namespaces; docker/podman must reach an
    /// engine. A success is remembered; a failure for 30 s (`ProbeCache`). A job naming an
    /// unavailable backend is rejected, never run elsewhere.
    public func availability(of backend: SandboxBackend) async -> Result<Void, SandboxError> {
        await program(for: backend).map { _ in () }
    }

    /// The backend's program as its probe resolved it on kjobd's own `PATH` (`nil` for `process`).
    func program(for backend: SandboxBackend) async -> ProbeCache.Answer {
        if backend == .process { return .success(nil) }
        if let cached = probes.withLock({ $0.answer(for: backend, now: now()) }) { return cached }
        let answer = await probe(backend)
        if !Task.isCancelled { probes.withLock { $0.record(answer, for: backend, at: now()) } }
        return answer
    }

    static func becomeSubreaper() {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return }
        let prSetChildSubreaper: Int32 = 36
        _ = unsafeBitCast(symbol, to: Prctl.self)(prSetChildSubreaper, 1, 0, 0, 0)
    }
}
