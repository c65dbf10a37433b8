import Logging
import PostgresNIO

/// A repository over one `StoreContext`; the context's parts read as the repository's own.
public protocol StoreRepository: Sendable {
    var context: StoreContext { get }
    init(_ context: StoreContext)
}

extension StoreRepository {
    public var client: PostgresClient { context.client }
    public var names: StoreNames { context.names }
    var logger: Logger { context.logger }

    public init(client: PostgresClient, names: StoreNames, logger: Logger) {
        self.init(StoreContext(client: client, names: names, logger: logger))
    }
}
