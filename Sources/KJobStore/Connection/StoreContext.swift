import Logging
import PostgresNIO

/// What every repository works with: the pool, the schema it lives in, and where to log.
public struct StoreContext: Sendable {
    public let client: PostgresClient
    public let names: StoreNames
    public let logger: Logger

    public init(client: PostgresClient, names: StoreNames, logger: Logger) {
        self.client = client
        self.names = names
        self.logger = logger
    }
}
