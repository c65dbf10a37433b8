import Foundation
import KJobCore

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a run needs before its child starts.
struct PreparedRun: Sendable {
    /// kjob-spawn and its arguments; it runs with `SpawnPlan.helperEnvironment`.
    var argv: [String]
    /// The command's environment for kjob-spawn's `--env-fd` (`SpawnPlan.environmentBlock`).
    var handedEnvironment: [UInt8]
    var workdir: String
    /// A container run's `--env-file`, removed with the run.
    var envFile: String?
    /// System notes for the run's log, written once it starts.
    var notes: [String]
    var tree: ProcessTree
    var cgroup: RunCgroup?
    var fileSink: FileLogSink?
    var sinks: [any RunLogSink]
    var container: ContainerCommand?
}

/// The unprivileged user children run as.
struct RunUser: Sendable, Hashable {
    var name: String
    var uid: uid_t
    var gid: gid_t

    static func lookup(_ name: String) -> RunUser? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return RunUser(name: name, uid: entry.pw_uid, gid: entry.pw_gid)
    }
}

extension SandboxExecutor {
    func prepare(_ request: RunRequest) async throws(SandboxError) -> PreparedRun {
        let identity = try request.identity.validated()
        try request.sandbox.validate()
        try RunEnvironment.check(request.environment, backend: request.sandbox.backend)
        let agentArgv = try agents.argv(agent: request.agent, prompt: request.prompt)
        let program: String?
        switch await self.program(for: request.sandbox.backend) {
        case .success(let resolved): program = resolved
        case .failure(let error): throw error
        }
        let helper = try spawnHelperPath()
        let user = try runUser()

        let workdir = try makeWorkdir(identity, user: user)
        var cleanup: [() -> Void] = [{ try? FileManager.default.removeItem(atPath: workdir) }]
        func undo() { for step in cleanup.reversed() { step() } }

        let limits = configuration.defaultLimits.overridden(by: request.sandbox.limits).overridden(by: request.limits)
        var cgroup: RunCgroup?
        if let cgroups {
            do { cgroup = try RunCgroup.create(in: cgroups, runID: identity.runID, limits: limits) } catch {
                undo()
                throw error
            }
            cleanup.append { cgroup?.remove() }
        }
        let memoryInCgroup = cgroup?.memory != nil || (cgroup != nil && cgroups?.unifiedControllers.contains("memory") == true)

        let env = RunEnvironment.build(
            identity: identity, prompt: request.prompt, workdir: workdir, user: user?.name,
            daemonEnvironment: configuration.daemonEnvironment,
            allowList: configuration.environmentAllowList, jobEnvironment: request.environment)

        // What kjob-spawn execs, as whom, with which environment: the agent (or bwrap around it) as
        // the run user with the run's environment; a container engine as kjobd with the node's.
        var inner: [String]
        var planUser = user?.name
        var commandEnvironment = env
        var container: ContainerCommand?
        var envFile: String?
        var notes: [String] = []
        switch request.sandbox.backend {
        case .process:
            inner = agentArgv
        case .bwrap:
            inner = BwrapCommand(executable: program ?? configuration.bwrapPath, workdir: workdir, network: request.sandbox.network)
                .wrapping(agentArgv)
        case .docker, .podman:
            let engine: ContainerCommand.Engine = request.sandbox.backend == .docker ? .docker : .podman
            let command = ContainerCommand(
                engine: engine, executable: program, image: request.sandbox.image ?? "",
                containerName: "kjob-\(identity.runID)", workdir: workdir,
                network: request.sandbox.network, memoryBytes: limits.memoryBytes,
                cpus: request.sandbox.cpuCores, pids: limits.processes,
                user: user.map { ($0.uid, $0.gid) },
                ulimits: engine == .podman ? ContainerCommand.podmanUlimits(openFiles: limits.openFiles) : [])
            do {
                let file = try ContainerEnvFile(env)
                // Beside the run directories, in one kjobd owns (0700): never in the job's workdir.
                let path = try file.write(in: "\(configuration.workRoot)/\(Self.envFileDirectory)", name: "\(identity.runID).env")
                cleanup.append { unlink(path) }
                envFile = path
                if file.omitted.contains("KJOB_PROMPT") {
                    notes.append(
                        "[kjob] KJOB_PROMPT is not set in the container: the prompt has a line break or is over \(ByteSizeText.format(Int64(ContainerEnvFile.maxLineBytes))), which --env-file cannot carry; the agent gets it through {prompt}"
                    )
                }
                inner = command.runArgv(command: agentArgv, envFile: path)
            } catch {
                undo()
                throw error
            }
            container = command
            planUser = nil  // the client talks to the engine as kjobd; the container runs as the user
            commandEnvironment = RunEnvironment.node(
                daemonEnvironment: configuration.daemonEnvironment,
                allowList: configuration.environmentAllowList)
        }
        let plan = SpawnPlan(
            cgroupProcs: cgroup?.procsFiles ?? [],
            limits: SpawnPlan.rlimits(
                for: limits, memoryCgroup: memoryInCgroup,
                unprivilegedUser: user != nil && planUser != nil,
                pidsCgroup: cgroup?.pids != nil || (cgroup != nil && cgroups?.unifiedControllers.contains("pids") == true)),
            // A root engine client stays out of the run's (run-user-writable) directory.
            directory: container == nil ? workdir : nil, user: planUser,
            environment: RunEnvironment.envp(commandEnvironment),
            command: inner)
        let handed: [UInt8]
        do { handed = try plan.environmentBlock ?? [] } catch {
            undo()
            throw error
        }

        var fileSink: FileLogSink?
        if let logDir = configuration.logDir {
            do { fileSink = try FileLogSink(logDir: logDir, job: identity.job, runID: identity.runID) } catch {
                undo()
                throw error
            }
        }
        return PreparedRun(
            argv: [helper] + plan.arguments, handedEnvironment: handed, workdir: workdir, envFile: envFile,
            notes: notes, tree: ProcessTree(cgroup: cgroup, runID: identity.runID), cgroup: cgroup,
            fileSink: fileSink, sinks: (fileSink.map { [$0] } ?? []) + request.logSinks, container: container)
    }

    /// Under `work_root`: container runs' `--env-file`s. Slugs start with a letter or digit, so no
    /// job directory can take this name.
    static let envFileDirectory = ".kjob-env"

    func runUser() throws(SandboxError) -> RunUser? {
        guard geteuid() == 0, let name = configuration.runAs else { return nil }
        guard let user = RunUser.lookup(name) else {
            throw SandboxError(
                .runAsUser, "run_as user \"\(name)\" does not exist",
                fix: "create it (useradd --system --no-create-home --shell /usr/sbin/nologin \(name)) or change run_as")
        }
        guard user.uid != 0 else {
            throw SandboxError(.runAsUser, "run_as user \"\(name)\" is root", fix: "name an unprivileged user")
        }
        return user
    }

    func spawnHelperPath() throws(SandboxError) -> String {
        if let configured = configuration.spawnHelper {
            guard access(configured, X_OK) == 0 else {
                throw SandboxError(
                    .spawnHelperMissing, "spawn helper \(configured) is not executable",
                    fix: "install kjob-spawn there or fix spawn_helper")
            }
            return configured
        }
        if let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let candidate = (own as NSString).deletingLastPathComponent + "/kjob-spawn"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        if let found = Self.which("kjob-spawn", path: configuration.daemonEnvironment["PATH"]) { return found }
        throw SandboxError(
            .spawnHelperMissing, "kjob-spawn was not found next to this executable or on PATH",
            fix: "install kjob-spawn beside kjobd (swift build builds it) or set spawn_helper")
    }

    static func which(_ name: String, path: String?) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in (path ?? RunEnvironment.fallbackPath).split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// `<work_root>/<job>/<run-id>`: parents 0711 (searchable, not listable), the run's own 0700
    /// and owned by the run user. An existing directory is an error, never reused.
    func makeWorkdir(_ identity: RunIdentity, user: RunUser?) throws(SandboxError) -> String {
        let jobDir = "\(configuration.workRoot)/\(identity.job)"
        let path = "\(jobDir)/\(identity.runID)"
        do {
            try FileManager.default.createDirectory(
                atPath: jobDir, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o711])
        } catch {
            throw SandboxError(
                .workdir, "cannot create \(jobDir): \(error.localizedDescription)",
                fix: "make work_dir writable by kjobd")
        }
        guard mkdir(path, 0o700) == 0 else {
            throw SandboxError(
                .workdir, "cannot create working directory \(path): \(SystemFiles.errnoText())",
                fix: errno == EEXIST ? "a run id is used once; remove the stale directory" : "make work_dir writable by kjobd")
        }
        if let user, chown(path, user.uid, user.gid) != 0 {
            let reason = SystemFiles.errnoText()
            rmdir(path)
            throw SandboxError(.workdir, "cannot give \(path) to \(user.name): \(reason)", fix: "run kjobd as root to use run_as")
        }
        return path
    }
}
