import Foundation
import KJobSandbox

extension DaemonConfig {
    /// `[executor]` checks beyond the basic ones: absolute paths, a positive kill grace.
    func validateExecutor() throws(DaemonConfigError) {
        guard executor.workDir.hasPrefix("/") else {
            throw DaemonConfigError(location: "executor.work_dir", message: "must be an absolute path, e.g. /var/lib/kjob/work")
        }
        guard executor.logDir.isEmpty || executor.logDir.hasPrefix("/") else {
            throw DaemonConfigError(location: "executor.log_dir", message: "must be an absolute path, or \"\" to write no log files")
        }
        guard executor.killGrace > .zero else {
            throw DaemonConfigError(location: "executor.kill_grace", message: "must be positive, e.g. \"5s\"")
        }
        _ = try agentRegistry()
    }

    /// `[executor]` as the sandbox's node settings. `daemonEnvironment` is the source of the
    /// children's allow-listed variables (the sandbox never passes `KJOBD_*`).
    public func sandboxConfiguration(daemonEnvironment: [String: String]) -> SandboxConfiguration {
        SandboxConfiguration(
            workRoot: executor.workDir,
            logDir: executor.logDir.isEmpty ? nil : executor.logDir,
            maxLogBytes: executor.maxLogBytes,
            killGrace: executor.killGrace,
            runAs: executor.runAs.isEmpty ? nil : executor.runAs,
            daemonEnvironment: daemonEnvironment.filter { !$0.key.hasPrefix("KJOBD_") })
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
