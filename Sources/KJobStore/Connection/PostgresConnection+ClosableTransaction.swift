import Logging
import PostgresNIO

extension PostgresConnection {
    /// BEGIN, `body`, COMMIT (ROLLBACK when `body` throws, whose error is rethrown as is).
    /// Every statement goes through `queryIfOpen`, so a connection closed by a deadline fails the
    /// transaction at once; PostgresNIO's `withTransaction` would send its ROLLBACK to the closed
    /// connection and wait for an answer that never comes.
    func withClosableTransaction<R>(logger: Logger, _ body: (PostgresConnection) async throws -> R) async throws -> R {
        _ = try await queryIfOpen("BEGIN", logger: logger)
        let value: R
        do {
            value = try await body(self)
        } catch {
            _ = try? await queryIfOpen("ROLLBACK", logger: logger)
            throw error
        }
        _ = try await queryIfOpen("COMMIT", logger: logger)
        return value
    }
}
