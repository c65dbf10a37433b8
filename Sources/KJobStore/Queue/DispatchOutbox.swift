import Foundation
import KJobCore
import Logging
import PostgresNIO

/// The dispatch outbox (DESIGN §9), every write fenced by the epoch.
///
/// A claim takes due `pending` rows `FOR UPDATE SKIP LOCKED` and pushes their `next_attempt_at`
/// past the attempt (`hold`), then commits: the HTTP call happens outside any transaction, so a
/// slow relay never holds the fencing lock that a takeover's epoch bump waits for. A dispatcher
/// that dies mid-attempt leaves the row to be retried after `hold`; the relay drops the repeat by
/// its `Idempotency-Key`.
public struct DispatchOutbox: StoreRepository {
    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    /// Claims up to `limit` pending dispatches due at `now` for one attempt each.
    public func claimDue(epoch: Int64, limit: Int, now: Date, hold: Duration) async throws -> [DueDispatch] {
        guard limit > 0 else { return [] }
        let fencing = Fencing(client: client, names: names)
        let schema = names.schema
        let logger = self.logger
        let heldUntil = now.addingTimeInterval(hold.timeInterval)
        return try await RunQueue.unwrapped {
            try await fencing.withFencedTransaction(epoch: epoch, operation: "dispatch-claim", logger: logger) { connection in
                var due: [DueDispatch] = []
                for try await (id, runID, channel, payload, attempts, first) in try await connection.query(
                    """
                    SELECT id, run_id, channel, payload::text, attempts, first_attempt_at
                      FROM \(unescaped: schema).dispatches
                     WHERE status = 'pending' AND next_attempt_at <= \(now)
                     ORDER BY next_attempt_at
                     LIMIT \(limit)
                       FOR UPDATE SKIP LOCKED
                    """, logger: logger
                ).decode((UUID, UUID, String, String, Int, Date?).self) {
                    due.append(
                        DueDispatch(
                            id: id, runID: runID, channel: channel, payload: payload, attempts: attempts,
                            firstAttemptAt: first ?? now))
                }
                guard !due.isEmpty else { return due }
                try await connection.query(
                    """
                    UPDATE \(unescaped: schema).dispatches
                       SET next_attempt_at = \(heldUntil), first_attempt_at = COALESCE(first_attempt_at, \(now))
                     WHERE id = ANY(\(due.map(\.id)))
                    """, logger: logger)
                return due
            }
        }
    }

    /// Writes an attempt's outcome (attempts + 1). Throws ``StaleEpochError`` when this node is no
    /// longer active; returns false when the row is no longer pending (nothing written).
    @discardableResult
    public func record(_ id: UUID, _ outcome: DispatchOutcome, epoch: Int64) async throws -> Bool {
        let fencing = Fencing(client: client, names: names)
        let schema = names.schema
        let logger = self.logger
        return try await RunQueue.unwrapped {
            try await fencing.withFencedTransaction(epoch: epoch, operation: "dispatch", logger: logger) { connection in
                var updated = false
                for try await _ in try await connection.query(
                    """
                    UPDATE \(unescaped: schema).dispatches
                       SET attempts = attempts + 1, status = \(outcome.status.rawValue),
                           next_attempt_at = COALESCE(\(outcome.nextAttemptAt), next_attempt_at),
                           last_error = \(StorableText.clean(outcome.lastError)), last_http_status = \(outcome.lastHTTPStatus),
                           delivered_at = \(outcome.deliveredAt)
                     WHERE id = \(id) AND status = 'pending'
                    RETURNING id
                    """, logger: logger
                ).decode(UUID.self) {
                    updated = true
                }
                return updated
            }
        }
    }

    /// The earliest `next_attempt_at` of a pending dispatch; nil when none is pending.
    public func nextAttemptAt() async throws -> Date? {
        var next: Date?
        for try await value in try await client.query(
            """
            SELECT min(next_attempt_at) FROM \(unescaped: names.schema).dispatches WHERE status = 'pending'
            """, logger: logger
        ).decode(Date?.self) {
            next = value
        }
        return next
    }
}
