#if canImport(Glibc)
import Glibc
#endif
import Foundation

extension SandboxExecutor {
    /// Output and end of a short helper command (probes, `docker kill`).
    struct CommandResult: Sendable {
        var termination: ProcessTermination?
        var output: String
        var error: SandboxError?
    }

    func probe(_ backend: SandboxSpec.Backend) async -> Result<Void, SandboxError> {
        switch backend {
        case .process:
            return .success(())
        case .bwrap:
            guard let bwrap = Self.which(configuration.bwrapPath, path: configuration.daemonEnvironment["PATH"]) else {
                return .failure(SandboxError(.backendUnavailable, "bwrap is not installed on this node",
                                             fix: "install bubblewrap (scripts/ensure-deps bwrap) or use another backend"))
            }
            var argv = BwrapCommand(executable: bwrap, workdir: "/", network: false).wrapping(["true"])
            if let user = try? runUser(), let helper = try? spawnHelperPath() {
                argv = [helper] + SpawnPlan(user: user.name, command: argv).arguments
            }
            let result = await runCommand(argv, timeout: .seconds(20))
            guard result.termination == .exited(0) else {
                let detail = result.error?.description ?? result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                return .failure(SandboxError(.backendUnavailable, "bwrap cannot create its sandbox on this node: \(detail)",
                                             fix: "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0) or run kjobd as root"))
            }
            return .success(())
        case .docker, .podman:
            let name = backend.rawValue
            guard let executable = Self.which(name, path: configuration.daemonEnvironment["PATH"]) else {
                return .failure(SandboxError(.backendUnavailable, "\(name) is not installed on this node",
                                             fix: "install \(name) or give the job another backend"))
            }
            let result = await runCommand(ContainerCommand.probeArgv(executable: executable), timeout: .seconds(15))
            guard result.termination == .exited(0) else {
                let detail = result.error?.description ?? result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                return .failure(SandboxError(.backendUnavailable, "\(name) has no working engine on this node: \(detail)",
                                             fix: "start the \(name) engine, or give the job another backend"))
            }
            return .success(())
        }
    }

    func runQuietly(_ argv: [String]) async {
        guard let executable = Self.which(argv[0], path: configuration.daemonEnvironment["PATH"]) else { return }
        _ = await runCommand([executable] + argv.dropFirst(), timeout: .seconds(10))
    }

    /// Runs a trusted node command (absolute argv[0]) with the daemon's allow-listed environment,
    /// capturing up to 64 KiB, killed after `timeout`.
    func runCommand(_ argv: [String], timeout: Duration) async -> CommandResult {
        let tree = ProcessTree(cgroup: nil)
        let supervisor = ChildSupervisor(maxLogBytes: 64 << 10, tailBytes: 0, tree: tree)
        var env: [String: String] = [:]
        for name in configuration.environmentAllowList + ["HOME", "DOCKER_HOST", "XDG_RUNTIME_DIR"] where !name.hasPrefix("KJOBD_") {
            if let value = configuration.daemonEnvironment[name] { env[name] = value }
        }
        if env["PATH"] == nil { env["PATH"] = RunEnvironment.fallbackPath }
        supervisor.start(.init(argv: argv, environment: RunEnvironment.envp(env)))
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
                    if chunk.stream != .system { bytes += chunk.bytes; supervisor.consumed() }
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
