import Foundation
import KJobSandbox
import TOMLKit

extension DaemonConfig {
    /// `[executor]` checks beyond the basic ones: absolute paths, a positive kill grace.
    func validateExecutor() throws(DaemonConfigError) {
        if let workDir = executor.workDir, !workDir.hasPrefix("/") {
            throw DaemonConfigError(location: "executor.work_dir", message: "must be an absolute path, e.g. /var/lib/kjob/work")
        }
        guard executor.logDir.isEmpty || executor.logDir.hasPrefix("/") else {
            throw DaemonConfigError(location: "executor.log_dir", message: "must be an absolute path, or \"\" to write no log files")
        }
        guard executor.killGrace > .zero else {
            throw DaemonConfigError(location: "executor.kill_grace", message: "must be positive, e.g. \"5s\"")
        }
        _ = try agentRegistry()
        _ = try sandboxConfiguration(daemonEnvironment: [:])
    }

    /// Secure by default: a root kjobd with `run_as = ""` would run every job as root, so it refuses
    /// to start unless `allow_root_jobs = true`. Checked by `kjobd run` and `kjobd check-config`.
    public func checkJobUser(effectiveUID: UInt32) throws(DaemonConfigError) {
        guard effectiveUID == 0, executor.runAs.isEmpty, !executor.allowRootJobs else { return }
        throw DaemonConfigError(
            location: "executor.run_as",
            message: "kjobd runs as root and run_as is empty, so every job would run as root; set run_as = \"kjob-run\" "
                + "(an unprivileged user; KJOBD_EXECUTOR_RUN_AS=kjob-run), or set allow_root_jobs = true "
                + "(KJOBD_EXECUTOR_ALLOW_ROOT_JOBS=true) to run jobs as root on purpose")
    }

    /// Keys `[executor]` owns; `[sandbox]` may not repeat them.
    static let executorOwnedSandboxKeys = ["work_dir", "log_dir", "max_log_bytes", "kill_grace", "run_as", "allow_root_jobs"]

    /// The sandbox's node settings: `[sandbox]` (KJobSandbox's table: env allow-list, limits,
    /// cgroups, keep_workdir, spawn_helper, bwrap, stdout_tail_bytes) overlaid with the `[executor]`
    /// keys, which own work_dir, log_dir, max_log_bytes, kill_grace and run_as. `daemonEnvironment` is the source
    /// of the children's allow-listed variables (`KJOBD_*` never passes).
    public func sandboxConfiguration(daemonEnvironment: [String: String]) throws(DaemonConfigError) -> SandboxConfiguration {
        var table: TOMLTable?
        if !sourceTOML.isEmpty, let parsed = try? TOMLTable(string: sourceTOML), let section = parsed["sandbox"] {
            guard let sandbox = section.table else {
                throw DaemonConfigError(location: "[sandbox]", message: "expected a table")
            }
            for key in Self.executorOwnedSandboxKeys where sandbox.contains(key: key) {
                throw DaemonConfigError(location: "sandbox.\(key)", message: "set it as executor.\(key) instead ([executor] owns it)")
            }
            table = sandbox
        }
        var configuration: SandboxConfiguration
        do {
            configuration = try SandboxConfiguration(toml: table, daemonEnvironment: daemonEnvironment.filter { !$0.key.hasPrefix("KJOBD_") })
        } catch {
            throw DaemonConfigError(location: "[sandbox]", message: error.description)
        }
        if let workDir = executor.workDir { configuration.workRoot = workDir }
        configuration.logDir = executor.logDir.isEmpty ? nil : executor.logDir
        configuration.maxLogBytes = executor.maxLogBytes
        configuration.killGrace = executor.killGrace
        configuration.runAs = executor.runAs.isEmpty ? nil : executor.runAs
        return configuration
    }

    /// `[agents.*]` as the sandbox's registry; an unusable template is a config error.
    public func agentRegistry() throws(DaemonConfigError) -> AgentRegistry {
        var definitions: [AgentDefinition] = []
        for (name, agent) in agents.sorted(by: { $0.key < $1.key }) {
            do {
                definitions.append(try AgentDefinition(name: name, command: agent.command))
            } catch {
                throw DaemonConfigError(location: "agents.\(name).command", message: error.description)
            }
        }
        return AgentRegistry(definitions)
    }
}
