import Foundation

/// What one attempt leaves in the outbox row.
public struct DispatchOutcome: Sendable, Hashable {
    /// `pending` (retry at `nextAttemptAt`), `delivered`, `failed` or `dead`.
    public var status: String
    public var nextAttemptAt: Date?
    public var lastError: String?
    /// The relay's HTTP status, when it answered.
    public var lastHTTPStatus: Int?
    public var deliveredAt: Date?

    public init(status: String, nextAttemptAt: Date? = nil, lastError: String? = nil, lastHTTPStatus: Int? = nil, deliveredAt: Date? = nil) {
        self.status = status
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.lastHTTPStatus = lastHTTPStatus
        self.deliveredAt = deliveredAt
    }
}
