import ArgumentParser
import Foundation
import KJobCore
import KJobSandbox
import Logging
import Synchronization

/// Spawn cost per backend against bare posix_spawn, in one process: first the floor (bare
/// posix_spawn + waitpid of the program, sequential and `--parallel` at a time), then `--count`
/// sequential runs of the same program through the SandboxExecutor per backend (session, pipes,
/// log capture to a file, cgroup, kjob-spawn, run_as, bwrap namespaces).
struct SpawnBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spawn", abstract: "posix_spawn floor and per-backend spawn cost.")

    @Option(help: "Runs per measurement.") var count = 200
    @Option(help: "Concurrent spawns for the parallel floor.") var parallel = 2
    @Option(help: "Program to run (absolute path).") var program = "/bin/true"
    @Option(help: "Backends to run through the SandboxExecutor (process, bwrap).") var backend: [String] = ["process", "bwrap"]
    @Option(help: "Scratch directory for work and log dirs.") var scratch = "/tmp/kjob-bench-spawn"
    @Option(help: "Unprivileged user for children when root (as kjobd's run_as); empty: none.") var runAs = "kjob-run"

    func run() async throws {
        // Warm the page cache and the dynamic loader before timing.
        _ = try PosixSpawn.measure([program], count: 20, parallel: 1)
        let sequential = try PosixSpawn.measure([program], count: count, parallel: 1)
        let concurrent = try PosixSpawn.measure([program], count: count, parallel: parallel)
        var result: [String: Any] = [
            "program": program,
            "floor": BenchStats(sequential.perCall).summary(unit: "ms").merging(
                ["per_second": Double(count) / sequential.wall.timeInterval]) { $1 },
            "floor_parallel": ["parallel": parallel, "per_second": Double(count) / concurrent.wall.timeInterval]
        ]
        var backends: [String: Any] = [:]
        for name in backend {
            guard let kind = SandboxBackend(rawValue: name) else { throw ValidationError("unknown backend \(name)") }
            backends[name] = try await measure(kind)
        }
        result["backends"] = backends
        BenchJSON.print(result)
    }

    func measure(_ backend: SandboxBackend) async throws -> [String: Any] {
        let root = "\(scratch)/\(backend.rawValue)"
        try? FileManager.default.removeItem(atPath: root)
        for dir in ["\(root)/work", "\(root)/logs"] {
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o755])
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: "\(root)/work")
        var logger = Logger(label: "kjob-bench")
        logger.logLevel = .warning
        let configuration = SandboxConfiguration(
            workRoot: "\(root)/work", logDir: "\(root)/logs", killGrace: .seconds(2),
            runAs: runAs.isEmpty || getuid() != 0 ? nil : runAs,
            daemonEnvironment: ProcessInfo.processInfo.environment)
        let agents = AgentRegistry([try AgentDefinition(name: "bench", command: [program])])
        let sandbox = SandboxExecutor(configuration: configuration, agents: agents, logger: logger)
        if case .failure(let error) = await sandbox.availability(of: backend) {
            return ["available": false, "error": "\(error)"]
        }
        let clock = ContinuousClock()
        var times: [Double] = []
        var setups: [Double] = []
        var failed = 0
        var firstError = ""
        for index in 0..<(count + 5) {
            let identity = RunIdentity(runID: "r\(index)", job: "bench", scheduledFor: Date(), attempt: 1, epoch: 1)
            let request = RunRequest(
                identity: identity, agent: "bench", prompt: "", sandbox: JobSpec.Sandbox(backend: backend),
                timeout: .seconds(30))
            let setup = Mutex<Duration?>(nil)
            let handle = RunHandle(onSpawn: { _, duration in setup.withLock { $0 = duration } })
            let began = clock.now
            let outcome = await sandbox.run(request, handle: handle)
            let elapsed = (clock.now - began).fractionalMilliseconds
            if outcome.status != .succeeded {
                failed += 1
                if firstError.isEmpty { firstError = "\(outcome.status.rawValue): \(outcome.error.map { "\($0)" } ?? "-")" }
            }
            if index >= 5 {  // the first runs warm caches
                times.append(elapsed)
                if let spawned = setup.withLock({ $0 }) { setups.append(spawned.fractionalMilliseconds) }
            }
        }
        try? FileManager.default.removeItem(atPath: root)
        var summary = BenchStats(times).summary(unit: "ms")
        summary["available"] = true
        summary["failed"] = failed
        summary["cgroups"] = sandbox.usesCgroups
        // From run() to posix_spawn returned (workdir, cgroup, log file, spawn): the daemon's
        // claimed→exec'd share; the rest is the helper, the program, capture and cleanup.
        summary["setup"] = BenchStats(setups).summary(unit: "ms")
        if !firstError.isEmpty { summary["first_error"] = firstError }
        return summary
    }
}
