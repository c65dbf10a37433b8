import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

extension SandboxExecutor {
    func execute(
        _ prepared: PreparedRun, request: RunRequest, handle: RunHandle, startedAt: Date,
        logger: Logger
    ) async -> RunOutcome {
        let supervisor = ChildSupervisor(
            maxLogBytes: configuration.maxLogBytes,
            tailBytes: configuration.stdoutTailBytes, tree: prepared.tree)
        supervisor.start(
            .init(
                argv: prepared.argv, environment: SpawnPlan.helperEnvironment,
                handedEnvironment: prepared.handedEnvironment))

        var termination: ProcessTermination?
        var pid: Int32?
        var spawnError: SandboxError?
        var summary = LogSummary()
        var tail: [UInt8] = []
        var sinks = prepared.sinks.map { Optional($0) }
        var sinkFailures: [String] = []
        var stray: [Int32] = []

        await withTaskGroup(of: [Int32].self) { group in
            group.addTask {
                await self.guardRun(prepared, handle: handle, supervisor: supervisor, timeout: request.timeout, logger: logger)
            }
            for await event in supervisor.events {
                switch event {
                case .started(let started):
                    pid = started
                    let spawnedAt = Date()
                    handle.spawned(at: spawnedAt, setup: .microseconds(Int64((spawnedAt.timeIntervalSince(startedAt) * 1_000_000).rounded())))
                    for note in prepared.notes { supervisor.note(note) }
                    logger.debug("started", metadata: ["pid": "\(started)"])
                case .spawnFailed(let error):
                    spawnError = error
                    handle.mainExited()
                case .chunk(let chunk):
                    for index in sinks.indices {
                        guard let sink = sinks[index] else { continue }
                        do { try await sink.append(chunk) } catch {
                            sinkFailures.append("\(type(of: sink)): \(error)")
                            logger.error("log sink failed; it gets no more chunks of this run: \(error)")
                            sinks[index] = nil
                        }
                    }
                    if chunk.stream != .system { supervisor.consumed() }
                case .exited(let ended):
                    termination = ended
                    handle.mainExited()
                case .outputClosed(let closed, let stdoutTail):
                    summary = closed
                    tail = stdoutTail
                }
            }
            handle.mainExited()
            for await result in group { stray = result }
        }

        for sink in sinks.compactMap({ $0 }) {
            do { try await sink.finish(summary) } catch {
                sinkFailures.append("\(type(of: sink)): \(error)")
            }
        }
        if let cgroup = prepared.cgroup {
            // Empty once the tree is gone; a process still exiting can hold it (EBUSY) for a moment.
            var pause = Duration.milliseconds(1)
            for _ in 0..<50 {
                if cgroup.remove() { break }
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(20))
            }
        }
        if let envFile = prepared.envFile { unlink(envFile) }
        // Orphans that died after the guard's reaping (the cgroup is empty only once they exited).
        prepared.tree.reapAdopted()
        let killReason = handle.reason
        let status = RunOutcome.status(termination: termination, killReason: killReason, error: spawnError)
        var kept: String?
        switch configuration.keepWorkdir {
        case .always: kept = prepared.workdir
        case .onFailure where status != .succeeded: kept = prepared.workdir
        default: try? FileManager.default.removeItem(atPath: prepared.workdir)
        }
        if !stray.isEmpty { logger.error("processes survived SIGKILL", metadata: ["pids": "\(stray)"]) }
        logger.info(
            "run ended",
            metadata: [
                "status": "\(status.rawValue)", "termination": "\(termination.map { "\($0)" } ?? "-")",
                "bytes": "\(summary.totalBytes)"
            ])
        return RunOutcome(
            status: status, termination: termination, killReason: killReason, error: spawnError, pid: pid,
            startedAt: startedAt, endedAt: Date(), log: summary, stdoutTail: tail,
            sinkFailures: sinkFailures, logFile: prepared.fileSink?.path, keptWorkdir: kept,
            strayProcesses: stray)
    }

    /// Waits for the first kill request (timeout, cancel, demotion) or the main process's end, then
    /// empties the tree: SIGTERM, SIGKILL after `kill_grace`. Returns pids that would not die.
    func guardRun(
        _ prepared: PreparedRun, handle: RunHandle, supervisor: ChildSupervisor, timeout: Duration,
        logger: Logger
    ) async -> [Int32] {
        let request: RunHandle.KillRequest? = await withTaskGroup(of: RunHandle.KillRequest?.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { handle.kill(.timeout) }
                return nil
            }
            group.addTask { await handle.nextRequest() }
            for await request in group where request != nil {
                group.cancelAll()
                return request
            }
            return nil
        }
        let tree = prepared.tree
        let grace = configuration.killGrace
        let clock = ContinuousClock()
        // A kill that arrives while posix_spawn is still running must still find the root.
        let spawnDeadline = clock.now + .seconds(10)
        while !supervisor.isSettled, clock.now < spawnDeadline { try? await Task.sleep(for: .milliseconds(5)) }
        var reason: KillReason?
        if case .kill(let requested) = request {
            reason = requested
            logger.notice("killing run", metadata: ["reason": "\(requested.rawValue)"])
        }
        var termination = TreeTermination(grace: grace)
        var actions = termination.start(reason: reason, members: tree.members().count, now: clock.now)
        while true {
            for action in actions {
                switch action {
                case .note(let text):
                    supervisor.note(text)
                case .sigterm:
                    if let container = prepared.container { await runQuietly(container.killArgv(signal: "TERM")) }
                    tree.signal(SIGTERM)
                case .sigkill:
                    if let container = prepared.container { await runQuietly(container.killArgv(signal: "KILL")) }
                    tree.killAll()
                case .finished:
                    break
                }
            }
            if termination.isDone { break }
            try? await Task.sleep(for: .milliseconds(25))
            actions = termination.tick(members: tree.members().count, now: clock.now)
        }
        // The engine client died with the tree before its --rm: remove the killed container, or
        // every timed-out or cancelled run leaves one behind (podman showed it: Exited (137)).
        if reason != nil, let container = prepared.container { await runQuietly(container.removeArgv()) }
        let stray = tree.members()
        tree.reapAdopted()
        // A process outside our reach (no cgroup) may still hold the pipes; do not wait on it forever.
        let closeDeadline = clock.now + .seconds(2)
        var pause = Duration.milliseconds(1)
        while clock.now < closeDeadline, !supervisor.isFinished {
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(20))
        }
        if !supervisor.isFinished { supervisor.forceCloseOutput() }
        return stray
    }
}
