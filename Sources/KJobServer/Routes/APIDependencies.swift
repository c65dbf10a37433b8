import KJobStore
import Logging
import PostgresNIO

/// The store-side pieces the routes use.
public struct APIDependencies: Sendable {
    public var jobs: JobsRepository
    public var runs: RunsRepository
    public var tokens: TokensRepository
    public var cluster: ClusterRepository
    public var audit: AuditRepository
    public var sessions: ConsoleSessionsRepository

    public init(client: PostgresClient, names: StoreNames, logger: Logger) {
        let store = StoreContext(client: client, names: names, logger: logger)
        jobs = JobsRepository(store)
        runs = RunsRepository(store)
        tokens = TokensRepository(store)
        cluster = ClusterRepository(store)
        audit = AuditRepository(store)
        sessions = ConsoleSessionsRepository(store)
    }
}
