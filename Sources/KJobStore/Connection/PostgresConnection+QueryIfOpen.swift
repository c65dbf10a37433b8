import Logging
import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` on the connection's event loop, only while the connection is open; throws
    /// ``ConnectionClosedError`` otherwise (callers reconnect).
    ///
    /// PostgresNIO writes queries and LISTEN registrations to its channel without a write promise:
    /// one that reaches a channel already closed (say, by a deadline's cancel handler racing it) is
    /// dropped, and its caller waits forever or the listener traps. Writing from the event loop
    /// right after checking the channel is open hands it to the connection's handler, which fails
    /// it when the connection closes.
    func onEventLoopIfOpen<T: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<T>) async throws -> T {
        try await eventLoop.flatSubmit {
            guard !self.isClosed else { return self.eventLoop.makeFailedFuture(ConnectionClosedError()) }
            return body()
        }.get()
    }

    /// Runs `query` and collects its rows; fails, and never hangs, when the connection is closed
    /// or closes while the query runs.
    func queryIfOpen(_ query: PostgresQuery, logger: Logger) async throws -> PostgresQueryResult {
        try await onEventLoopIfOpen { self.query(query, logger: logger) }
    }
}

/// The dedicated connection closed before the operation reached it (callers reconnect).
public struct ConnectionClosedError: Error, CustomStringConvertible {
    public var description: String { "the database connection is closed; reconnecting" }
}
