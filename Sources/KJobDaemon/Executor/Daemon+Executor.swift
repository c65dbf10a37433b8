import Foundation
import KJobCore
import KJobMetrics
import KJobSandbox
import KJobStore
import PostgresNIO

extension Daemon {
    /// The executor wired from `[executor]`, `[agents.*]` and `http.public_url`; its database
    /// deadline is twice `lease.timeout`.
    func makeExecutor(
        client: PostgresClient, names: StoreNames, wake: Observed<UInt64>, cancels: Observed<UInt64>,
        now: @escaping @Sendable () -> Date, metrics: KJobMetrics
    ) throws -> RunExecutor {
        let sandbox = SandboxExecutor(
            configuration: try config.sandboxConfiguration(daemonEnvironment: ProcessInfo.processInfo.environment),
            agents: try config.agentRegistry(), logger: logger)
        var configuration = executor
        configuration.maxParallel = config.executor.maxParallel
        configuration.killGrace = config.executor.killGrace
        configuration.databaseDeadline = config.lease.timeout * 2
        return RunExecutor(
            configuration: configuration,
            queue: RunQueue(client: client, names: names, nodeID: config.node.id, publicURL: config.http.publicURL, logger: logger),
            logs: RunLogStore(client: client, names: names, logger: logger),
            sandbox: sandbox, wake: wake, cancels: cancels, now: now, metrics: metrics, logger: logger)
    }
}
