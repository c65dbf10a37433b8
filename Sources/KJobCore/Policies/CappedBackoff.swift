/// Exponential backoff between attempts of an internal operation (restarting a leader worker,
/// recording a run's end): `initial`, doubling per consecutive failure, never above `maximum`.
/// No jitter: these retry one node's own work, not a crowd's.
public struct CappedBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The pause after the `failures`-th consecutive failure (1-based; 0 or less waits nothing).
    public func delay(afterFailures failures: Int) -> Duration {
        guard failures >= 1 else { return .zero }
        var delay = initial
        for _ in 1..<min(failures, 64) {
            delay *= 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}
