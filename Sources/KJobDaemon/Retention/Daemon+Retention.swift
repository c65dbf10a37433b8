import Foundation
import KJobStore
import PostgresNIO

extension Daemon {
    /// The retention worker wired from `[retention]` and `executor.log_dir`.
    func makeRetention(client: PostgresClient, names: StoreNames, now: @escaping @Sendable () -> Date) -> RetentionService {
        var configuration = RetentionService.Configuration()
        configuration.keepRuns = config.retention.keepRuns
        configuration.maxAge = config.retention.maxAge
        configuration.logDir = config.executor.logDir
        configuration.interval = config.retention.interval
        configuration.auditMaxAge = config.retention.audit
        return RetentionService(configuration: configuration, retention: RunRetention(client: client, names: names, logger: logger),
                                now: now, logger: logger)
    }
}
