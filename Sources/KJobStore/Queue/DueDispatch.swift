import Foundation

/// An outbox row claimed for one delivery attempt.
public struct DueDispatch: Sendable, Hashable {
    /// Sent as `Idempotency-Key`: stable across retries and failovers.
    public var id: UUID
    public var runID: UUID
    public var channel: String
    /// The relay body as written when the run ended (KJobCore's `DispatchPayload`, JSON).
    public var payload: String
    /// Attempts made before this one.
    public var attempts: Int
    /// When the first attempt was made (this one, for a first attempt): the `max_age` clock.
    public var firstAttemptAt: Date

    public init(id: UUID, runID: UUID, channel: String, payload: String, attempts: Int, firstAttemptAt: Date) {
        self.id = id
        self.runID = runID
        self.channel = channel
        self.payload = payload
        self.attempts = attempts
        self.firstAttemptAt = firstAttemptAt
    }
}
