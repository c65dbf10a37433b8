/// When a failed attempt of a fire is tried again: the job's `retries` table.
///
/// `maxRetries` counts extra attempts, so a fire runs at most `maxRetries + 1` times.
/// Exponential backoff uses full jitter: the delay before retry n (after failed attempt n) is
/// uniform in `0 … min(maxDelay, initialDelay · 2^(n-1))`, which spreads a burst of failures.
/// Fixed backoff waits exactly `initialDelay`.
public struct RetryPolicy: Hashable, Sendable {
    public enum Backoff: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
        case exponential
        case fixed
        public var description: String { rawValue }
    }

    /// TOML `max`: 0 … 100.
    public var maxRetries: Int
    public var backoff: Backoff
    /// TOML `initial`: > 0 and ≤ `maxDelay`.
    public var initialDelay: Duration
    /// TOML `max_delay`: ≤ 1 day.
    public var maxDelay: Duration

    public init(
        maxRetries: Int = 0,
        backoff: Backoff = .exponential,
        initialDelay: Duration = .seconds(30),
        maxDelay: Duration = .seconds(600)
    ) {
        self.maxRetries = maxRetries
        self.backoff = backoff
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// No retries: an agent's side effects are not assumed to be idempotent.
    public static let `default` = RetryPolicy()

    public enum Decision: Hashable, Sendable {
        /// Start attempt `attempt` after `delay`.
        case retry(attempt: Int, after: Duration)
        /// The fire has used all its attempts.
        case giveUp
    }

    /// The largest delay before retrying after failed attempt `attempt` (1-based), or nil when
    /// there is no retry.
    public func delayCeiling(afterFailedAttempt attempt: Int) -> Duration? {
        guard attempt >= 1, attempt <= maxRetries else { return nil }
        let initial = max(initialDelay.milliseconds, 0)
        let cap = max(maxDelay.milliseconds, 0)
        switch backoff {
        case .fixed:
            return .milliseconds(initial)
        case .exponential:
            let shift = attempt - 1
            guard shift < 62 else { return .milliseconds(cap) }
            let (grown, overflow) = initial.multipliedReportingOverflow(by: Int64(1) << shift)
            return .milliseconds(overflow ? cap : min(grown, cap))
        }
    }

    /// What to do after attempt `attempt` (1-based) failed, drawing jitter from `random`.
    public func decide(
        afterFailedAttempt attempt: Int,
        using random: inout some RandomNumberGenerator
    ) -> Decision {
        guard let ceiling = delayCeiling(afterFailedAttempt: attempt) else { return .giveUp }
        switch backoff {
        case .fixed:
            return .retry(attempt: attempt + 1, after: ceiling)
        case .exponential:
            let jittered = Int64.random(in: 0...ceiling.milliseconds, using: &random)
            return .retry(attempt: attempt + 1, after: .milliseconds(jittered))
        }
    }

    /// Same, with the system random source.
    public func decide(afterFailedAttempt attempt: Int) -> Decision {
        var random = SystemRandomNumberGenerator()
        return decide(afterFailedAttempt: attempt, using: &random)
    }
}
