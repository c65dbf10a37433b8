import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

/// The epoch bump at acquisition against a fenced transaction a previous holder left open
/// (issue #12 item 2): it must not wait long, and the fence must still hold.
@Suite("Lock session: the epoch bump and the fence", .enabled(if: TestDatabase.available))
struct LockSessionFenceTests {
    @Test func bumpBlockedByAnOpenFencedTransactionGivesTheLockBackAndTheFenceHolds() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            let settings = LockSession.Settings(
                lockKey: db.lockKey, nodeID: "n", serverRelease: .seconds(10),
                connectTimeout: .seconds(5), fenceWait: .milliseconds(300))
            let session = try await LockSession.open(url: db.url, names: db.names, settings: settings, logger: db.logger) {}
            let stale = try await db.connect()
            let other: PostgresConnection
            do {
                other = try await db.connect()
            } catch {
                try? await stale.close()
                throw error
            }
            do {
                // The previous holder (epoch 0) checked the fence and wrote, then froze before COMMIT.
                let marker = UUID()
                try await stale.query("BEGIN", logger: db.logger)
                try await Fencing.check(epoch: 0, operation: "stale", names: db.names, on: stale, logger: db.logger)
                try await stale.query(
                    """
                    INSERT INTO \(unescaped: db.names.schema).jobs (id, slug, spec, schedule) VALUES (\(marker), 'stale', '', '@every 1h')
                    """, logger: db.logger)

                let started = ContinuousClock.now
                let (blocked, _) = try await session.tryAcquire()
                let waited = ContinuousClock.now - started
                #expect(blocked == .notAcquired)
                #expect(waited < .seconds(3), "the bump waited on the stale transaction")
                // The lock was given back, so a holder that cannot bump never sits on it.
                let taken = try await other.query("SELECT pg_try_advisory_lock(\(db.lockKey))", logger: db.logger).collect().first?.decode(Bool.self)
                #expect(taken == true)
                _ = try await other.query("SELECT pg_advisory_unlock(\(db.lockKey))", logger: db.logger).collect()

                // The stale write lands wholly before the takeover; the bump then goes through.
                try await stale.query("COMMIT", logger: db.logger)
                let (acquired, _) = try await session.tryAcquire()
                #expect(acquired == .acquired(epoch: 1))
                // Any fenced write under the old epoch fails from now on.
                await #expect(throws: StaleEpochError.self) {
                    try await Fencing(client: client, names: db.names).withFencedTransaction(epoch: 0, operation: "late", logger: db.logger) { _ in }
                }
            } catch {
                try? await stale.close()
                try? await other.close()
                await session.closeGracefully()
                throw error
            }
            try await stale.close()
            try await other.close()
            await session.closeGracefully()
        }
    }
}
