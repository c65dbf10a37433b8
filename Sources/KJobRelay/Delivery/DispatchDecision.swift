import Foundation

/// What the dispatcher does with an outbox row after an attempt.
public enum DispatchDecision: Sendable, Hashable {
    /// Set `delivered_at`; done.
    case delivered(at: Date)
    /// Keep the row pending; try again at `at`. `lastError` goes to `last_error`.
    case retry(at: Date, lastError: String)
    /// The relay refused it for good (a 4xx other than 408/429); do not retry.
    case failed(reason: String)
    /// Still failing after `max_age` since the first attempt; stop.
    case dead(reason: String)
}
