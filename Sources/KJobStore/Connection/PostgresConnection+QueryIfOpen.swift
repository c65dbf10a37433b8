import Logging
import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// Runs `query` and collects its rows; fails, and never hangs, when the connection is closed
    /// or closes while the query runs.
    ///
    /// PostgresNIO writes a query to its channel without a write promise, so a query that reaches a
    /// channel already closed (say, by a deadline's cancel handler racing the query) is dropped and
    /// its caller waits forever. Writing it from the event loop right after checking the channel is
    /// open hands it to the connection's handler, which fails it when the connection closes.
    func queryIfOpen(_ query: PostgresQuery, logger: Logger) async throws -> PostgresQueryResult {
        try await eventLoop.flatSubmit {
            guard !self.isClosed else { return self.eventLoop.makeFailedFuture(ConnectionClosedError()) }
            return self.query(query, logger: logger)
        }.get()
    }

}

/// The dedicated connection closed before the operation reached it (callers reconnect).
public struct ConnectionClosedError: Error, CustomStringConvertible {
    public var description: String { "the database connection is closed; reconnecting" }
}
