import Foundation

/// Turns an attempt's ``DeliveryResult`` into a ``DispatchDecision``. Pure: time and randomness
/// are parameters.
///
/// 2xx is delivered. 408, 429, 5xx, timeouts, connection and TLS failures are retried with
/// exponential backoff and full jitter (a uniform delay in `0...min(maxDelay, baseDelay·2^(n-1))`),
/// never sooner than a `Retry-After` (capped at `retryAfterCap`), until `maxAge` after the first
/// attempt; the last retry is clamped to that deadline and a failure then is `dead`. Any other
/// status is a permanent failure.
public struct DeliveryPolicy: Sendable, Hashable {
    /// `relay.max_age`: how long to keep trying after the first attempt. Default 24 h.
    public var maxAge: TimeInterval
    /// Backoff before the second attempt (upper bound of its jitter). Default 2 s.
    public var baseDelay: TimeInterval
    /// Upper bound of any backoff. Default 10 min, so a recovered relay is found within minutes.
    public var maxDelay: TimeInterval
    /// Longest `Retry-After` obeyed; a relay asking for more is retried after this. Default 1 h.
    public var retryAfterCap: TimeInterval

    public init(
        maxAge: TimeInterval = 24 * 3600,
        baseDelay: TimeInterval = 2,
        maxDelay: TimeInterval = 600,
        retryAfterCap: TimeInterval = 3600
    ) {
        self.maxAge = maxAge
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.retryAfterCap = retryAfterCap
    }

    /// - Parameters:
    ///   - attempt: attempts made so far, this one included (1 after the first).
    ///   - firstAttemptAt: when the first attempt was made (the `max_age` clock starts there).
    public func decide(
        _ result: DeliveryResult,
        attempt: Int,
        firstAttemptAt: Date,
        now: Date,
        using rng: inout some RandomNumberGenerator
    ) -> DispatchDecision {
        switch Self.classify(result) {
        case .delivered:
            return .delivered(at: now)
        case .permanent:
            return .failed(reason: result.description)
        case .retryable:
            let deadline = firstAttemptAt.addingTimeInterval(maxAge)
            guard now < deadline else {
                return .dead(
                    reason: "gave up after \(attempt) attempt\(attempt == 1 ? "" : "s") over "
                        + "relay.max_age (\(Int(maxAge))s); last error: \(result.description)")
            }
            var delay = backoff(attempt: attempt, using: &rng)
            if case .response(_, let header, _) = result, let asked = RetryAfter.delay(header, now: now) {
                delay = max(delay, min(asked, retryAfterCap))
            }
            let at = min(now.addingTimeInterval(delay), deadline)
            return .retry(at: at, lastError: result.description)
        }
    }

    /// Full jitter: uniform in `0...min(maxDelay, baseDelay·2^(attempt-1))`.
    public func backoff(attempt: Int, using rng: inout some RandomNumberGenerator) -> TimeInterval {
        let ceiling = backoffCeiling(attempt: attempt)
        guard ceiling > 0 else { return 0 }
        return Double.random(in: 0...ceiling, using: &rng)
    }

    public func backoffCeiling(attempt: Int) -> TimeInterval {
        let exponent = Double(min(max(attempt, 1) - 1, 62))
        return min(maxDelay, baseDelay * pow(2, exponent))
    }

    public enum Class: Sendable, Hashable {
        case delivered, retryable, permanent
    }

    public static func classify(_ result: DeliveryResult) -> Class {
        switch result {
        case .response(let status, _, _):
            switch status {
            case 200..<300: .delivered
            case 408, 429, 500..<600: .retryable
            default: .permanent
            }
        case .timedOut, .connectionFailed, .tlsFailed: .retryable
        case .requestInvalid: .permanent
        }
    }
}
