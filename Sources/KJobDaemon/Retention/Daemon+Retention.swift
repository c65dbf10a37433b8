import Foundation
import KJobStore
import PostgresNIO

extension Daemon {
    /// The retention worker wired from `[retention]` and `executor.log_dir`.
    func makeRetention(client: PostgresClient, names: StoreNames, now: @escaping @Sendable () -> Date) -> RetentionSweeper {
        var configuration = RetentionSweeper.Configuration()
        configuration.keepRuns = config.retention.keepRuns
        configuration.maxAge = config.retention.maxAge
        configuration.logDir = config.executor.logDir
        configuration.interval = config.retention.interval
        configuration.auditMaxAge = config.retention.audit
        return RetentionSweeper(
            configuration: configuration, retention: RunRetention(client: client, names: names, logger: logger),
            now: now, logger: logger)
    }
}
