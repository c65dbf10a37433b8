import KJobStore
import Logging
import PostgresNIO

/// The store-side pieces the routes use.
public struct APIDependencies: Sendable {
    public var jobs: JobsRepository
    public var runs: RunsRepository
    public var tokens: TokensRepository
    public var cluster: ClusterRepository

    public init(client: PostgresClient, names: StoreNames, logger: Logger) {
        jobs = JobsRepository(client: client, names: names, logger: logger)
        runs = RunsRepository(client: client, names: names, logger: logger)
        tokens = TokensRepository(client: client, names: names, logger: logger)
        cluster = ClusterRepository(client: client, names: names, logger: logger)
    }
}
