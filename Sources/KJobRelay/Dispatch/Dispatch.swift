import Foundation
import KJobCore

/// One outbox entry: what the dispatcher hands to ``RelayClient/deliver(_:now:)``.
///
/// `id` is stable across retries and failovers; it is sent as `Idempotency-Key` and `webhook-id`
/// so the relay can drop duplicates.
public struct Dispatch: Sendable, Codable, Hashable {
    public var id: String
    public var payload: DispatchPayload

    public init(id: String, payload: DispatchPayload) {
        self.id = id
        self.payload = payload
    }
}
