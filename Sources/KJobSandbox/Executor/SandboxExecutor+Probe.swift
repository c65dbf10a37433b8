import Foundation

#if canImport(Glibc)
    import Glibc
    import KJobCore
#endif

extension SandboxExecutor {
    /// Output and end of a short helper command (probes, `docker kill`).
    struct CommandResult: Sendable {
        var termination: ProcessTermination?
        var output: String
        var error: SandboxError?
    }

    /// Resolves the backend's program on kjobd's own `PATH` and checks that it works.
    func probe(_ backend: SandboxBackend) async -> ProbeCache.Answer {
        guard let configured = configuration.program(for: backend) else { return .success(nil) }
        guard let program = Self.which(configured, path: configuration.daemonEnvironment["PATH"]) else {
            let install = backend == .bwrap ? "install bubblewrap (scripts/ensure-deps bwrap)" : "install \(backend.rawValue)"
            return .failure(
                SandboxError(
                    .backendUnavailable, "\(configured) is not installed on this node (kjobd's PATH)",
                    fix: "\(install), set sandbox.\(backend.rawValue) to its absolute path, or give the job another backend"))
        }
        switch backend {
        case .process:
            return .success(nil)
        case .bwrap:
            let argv = BwrapCommand(executable: program, workdir: "/", network: false).wrapping(["true"])
            let result = await runCommand(argv, timeout: .seconds(20), asRunUser: true)
            guard result.termination == .exited(0) else {
                let detail = result.error?.description ?? result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                return .failure(
                    SandboxError(
                        .backendUnavailable, "bwrap cannot create its sandbox on this node: \(detail)",
                        fix: "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0) or run kjobd as root"
                    ))
            }
            return .success(program)
        case .docker, .podman:
            let name = backend.rawValue
            let result = await runCommand(ContainerCommand.probeArgv(executable: program), timeout: .seconds(15))
            guard result.termination == .exited(0) else {
                let detail = result.error?.description ?? result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                return .failure(
                    SandboxError(
                        .backendUnavailable, "\(name) has no working engine on this node: \(detail)",
                        fix: "start the \(name) engine, or give the job another backend"))
            }
            return .success(program)
        }
    }

    /// `argv[0]` is an absolute path (a container engine resolved by its probe).
    func runQuietly(_ argv: [String]) async {
        _ = await runCommand(argv, timeout: .seconds(10))
    }

    /// Runs a trusted node command (absolute argv[0]) with the node's fixed environment
    /// (`RunEnvironment.node`), capturing up to 64 KiB, killed after `timeout`. `asRunUser` runs it
    /// through kjob-spawn as `run_as` when kjobd is root.
    func runCommand(_ argv: [String], timeout: Duration, asRunUser: Bool = false) async -> CommandResult {
        let tree = ProcessTree(cgroup: nil)
        let supervisor = ChildSupervisor(maxLogBytes: 64 << 10, tailBytes: 0, tree: tree)
        let env = RunEnvironment.envp(
            RunEnvironment.node(
                daemonEnvironment: configuration.daemonEnvironment,
                allowList: configuration.environmentAllowList))
        var spawn = ChildSupervisor.Spawn(argv: argv, environment: env)
        if asRunUser, let user = try? runUser(), let helper = try? spawnHelperPath() {
            let plan = SpawnPlan(user: user.name, environment: env, command: argv)
            spawn = .init(
                argv: [helper] + plan.arguments, environment: SpawnPlan.helperEnvironment,
                handedEnvironment: try? plan.environmentBlock)
        }
        supervisor.start(spawn)
        var result = CommandResult(termination: nil, output: "", error: nil)
        var bytes: [UInt8] = []
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { tree.killAll() }
            }
            for await event in supervisor.events {
                switch event {
                case .chunk(let chunk):
                    if chunk.stream != .system {
                        bytes += chunk.bytes
                        supervisor.consumed()
                    }
                case .exited(let termination): result.termination = termination
                case .spawnFailed(let error): result.error = error
                case .started, .outputClosed: break
                }
            }
            group.cancelAll()
        }
        result.output = String(decoding: bytes, as: UTF8.self)
        return result
    }
}
