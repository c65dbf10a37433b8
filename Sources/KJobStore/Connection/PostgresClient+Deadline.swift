import Logging
import PostgresNIO
import Synchronization

extension PostgresClient {
    /// Runs `body` on a pooled connection, within `deadline` (nil: no bound).
    ///
    /// PostgresNIO cannot cancel a query in flight: with the server frozen or the network
    /// blackholed, a query waits for the TCP timeout (~15 min). So when the deadline passes (or
    /// the caller is cancelled) first, the connection is closed, which fails its query in flight
    /// at once, and ``DatabaseDeadlineError`` (or `CancellationError`) is thrown; a wait for a
    /// free connection is cancelled. `body` must send its queries with `queryIfOpen` (and
    /// transactions with ``PostgresConnection/withClosableTransaction(logger:_:)``): a query sent
    /// after the close would be dropped unanswered.
    func withConnection<R: Sendable>(
        deadline: Duration?, operation: String, logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> R
    ) async throws -> R {
        guard let deadline else { return try await withConnection { try await body($0) } }
        let state = DeadlineState()
        return try await withThrowingTaskGroup(of: DeadlineOutcome<R>.self) { group in
            group.addTask {
                try await self.withConnection { connection in
                    guard state.lease(connection) else { throw DatabaseDeadlineError(operation: operation, deadline: deadline) }
                    let result: Result<R, any Error>
                    do { result = .success(try await body(connection)) } catch { result = .failure(error) }
                    // A connection the deadline is closing goes back to the pool only once the pool has seen it close.
                    if state.done() { try? await connection.closeFuture.get() }
                    return .finished(try result.get())
                }
            }
            group.addTask {
                try? await Task.sleep(for: deadline)
                return .expired
            }
            defer { group.cancelAll() }
            guard case .finished(let value) = try await group.next() else {
                if let connection = state.expire() {
                    connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
                }
                try Task.checkCancellation()
                logger.warning(
                    "database call past its deadline: its connection was closed",
                    metadata: ["operation": "\(operation)", "deadline": "\(deadline)"])
                throw DatabaseDeadlineError(operation: operation, deadline: deadline)
            }
            return value
        }
    }
}

/// The connection a deadline-bound call leased, and whether its deadline passed.
private final class DeadlineState: Sendable {
    private let state = Mutex<(connection: PostgresConnection?, expired: Bool)>((nil, false))

    /// Records the leased connection; false when the deadline already passed.
    func lease(_ connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard !state.expired else { return false }
            state.connection = connection
            return true
        }
    }

    /// Marks the deadline passed; returns the connection to close, if one is still in use.
    func expire() -> PostgresConnection? {
        state.withLock { state in
            state.expired = true
            return state.connection
        }
    }

    /// The body is done with the connection; true when the deadline took it to close it.
    func done() -> Bool {
        state.withLock { state in
            defer { state.connection = nil }
            return state.expired && state.connection != nil
        }
    }
}

private enum DeadlineOutcome<R: Sendable>: Sendable {
    case finished(R)
    case expired
}

/// A database call of the run path outlived its deadline (Postgres frozen, blackholed, or
/// holding a lock it waits on); its connection was closed. Retried by its caller.
public struct DatabaseDeadlineError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var deadline: Duration

    public init(operation: String, deadline: Duration) {
        self.operation = operation
        self.deadline = deadline
    }

    public var description: String {
        "\(operation): no answer from Postgres within \(deadline); the connection was closed (check the server, the network, or locks held on kjob's tables)"
    }
}
