import Logging
import PostgresNIO

/// Epoch fencing for every write the active makes (DESIGN §6).
///
/// A fenced transaction first takes `FOR KEY SHARE` on the leader row with the expected epoch.
/// The epoch lives in a unique index, so a new holder's epoch bump needs `FOR UPDATE` on that
/// row: it waits for fenced transactions in flight, and any fenced transaction starting after
/// it sees the new epoch and fails. So every fenced write happens wholly before or wholly after
/// a takeover, never across it. Heartbeats update non-key columns and do not conflict.
public struct Fencing: Sendable {
    public let client: PostgresClient
    public let names: StoreNames

    public init(client: PostgresClient, names: StoreNames) {
        self.client = client
        self.names = names
    }

    /// Runs `body` in a transaction that commits only if `epoch` is current; otherwise throws
    /// ``StaleEpochError`` (and logs it) without running `body`.
    @discardableResult
    public func withFencedTransaction<Result: Sendable>(
        epoch: Int64, operation: String, logger: Logger,
        _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await Self.check(epoch: epoch, operation: operation, names: names, on: connection, logger: logger)
                return try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            // Surface the typed fencing error rather than PostgresNIO's wrapper (the rollback is harmless either way).
            if let stale = error.closureError as? StaleEpochError { throw stale }
            throw error
        }
    }

    /// The same, bounded by `deadline` (``PostgresClient/withConnection(deadline:operation:logger:_:)``):
    /// past it the connection is closed and ``DatabaseDeadlineError`` thrown; nothing is committed.
    /// `body` must send its queries with `queryIfOpen`. Errors come back as thrown, unwrapped.
    func withFencedTransaction<Result: Sendable>(
        epoch: Int64, operation: String, deadline: Duration?, logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let names = self.names
        return try await client.withConnection(deadline: deadline, operation: operation, logger: logger) { connection in
            try await connection.withClosableTransaction(logger: logger) { connection in
                try await Self.check(epoch: epoch, operation: operation, names: names, on: connection, logger: logger)
                return try await body(connection)
            }
        }
    }

    /// The fencing check on a connection already inside a transaction.
    public static func check(epoch: Int64, operation: String, names: StoreNames, on connection: PostgresConnection, logger: Logger) async throws {
        let current = try await connection.queryIfOpen(
            "SELECT epoch FROM \(unescaped: names.schema).leader WHERE id = 1 FOR KEY SHARE", logger: logger
        ).first?.decode(Int64.self)
        guard current == epoch else {
            let error = StaleEpochError(epoch: epoch, current: current, operation: operation)
            logger.error(
                "stale epoch: write rejected",
                metadata: ["operation": "\(operation)", "epoch": "\(epoch)", "current_epoch": "\(current.map(String.init) ?? "none")"])
            throw error
        }
    }

}
