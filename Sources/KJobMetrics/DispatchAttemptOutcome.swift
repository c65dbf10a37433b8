/// What one relay attempt led to (DESIGN §9).
public enum DispatchAttemptOutcome: String, CaseIterable, Sendable, Hashable {
    case delivered
    /// Not delivered; another attempt is scheduled.
    case retry
    /// Not delivered and never retried (a non-retryable 4xx, an unreadable payload).
    case failed
    /// Retries ran out (`relay.max_age`).
    case dead
}
