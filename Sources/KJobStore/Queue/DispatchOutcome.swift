import Foundation
import KJobCore

/// What one attempt leaves in the outbox row.
public struct DispatchOutcome: Sendable, Hashable {
    /// `pending` retries at `nextAttemptAt`; the others are final.
    public var status: DeliveryState
    public var nextAttemptAt: Date?
    public var lastError: String?
    /// The relay's HTTP status, when it answered.
    public var lastHTTPStatus: Int?
    public var deliveredAt: Date?

    public init(status: DeliveryState, nextAttemptAt: Date? = nil, lastError: String? = nil, lastHTTPStatus: Int? = nil, deliveredAt: Date? = nil) {
        self.status = status
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.lastHTTPStatus = lastHTTPStatus
        self.deliveredAt = deliveredAt
    }
}
