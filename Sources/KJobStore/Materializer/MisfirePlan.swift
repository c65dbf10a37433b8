import Foundation

/// What to do with the fires of one job that came due, decided without I/O.
///
/// Minimal stand-in for the shared MisfirePolicy of KJobCore/Policies: swap it in when that lands.
/// A fire is *on time* when it is at most `threshold` late; on-time fires always run. Later fires
/// are *missed* and follow the policy within `window` (fires older than the window never run):
/// - `skip`: no missed fire runs;
/// - `latest`: the most recent missed fire runs, unless an on-time fire already runs;
/// - `all`: every missed fire within the window runs, the newest `maxCatchUpRuns` of them.
/// Every fire that does not run is recorded `skipped` with reason `missed` (`disabled` when the
/// job is disabled).
public struct MisfirePlan: Sendable, Hashable {
    public enum Policy: String, Sendable, Hashable, CaseIterable { case skip, latest, all }

    public struct Outcome: Sendable, Hashable {
        public var scheduledFor: Date
        /// nil: queue a run; else skip with this reason.
        public var skipReason: String?

        public init(scheduledFor: Date, skipReason: String?) {
            self.scheduledFor = scheduledFor
            self.skipReason = skipReason
        }
    }

    public var policy: Policy
    public var window: Duration
    public var threshold: Duration
    public var maxCatchUpRuns: Int

    public init(policy: Policy, window: Duration, threshold: Duration, maxCatchUpRuns: Int = 100) {
        self.policy = policy
        self.window = window
        self.threshold = threshold
        self.maxCatchUpRuns = maxCatchUpRuns
    }

    /// `fires` ascending, all at or before `now`.
    public func outcomes(fires: [Date], now: Date, enabled: Bool = true) -> [Outcome] {
        guard enabled else { return fires.map { Outcome(scheduledFor: $0, skipReason: "disabled") } }
        let thresholdSeconds = Double(threshold.milliseconds) / 1000
        let windowSeconds = Double(window.milliseconds) / 1000
        func lateness(_ fire: Date) -> Double { now.timeIntervalSince(fire) }
        let onTime = fires.filter { lateness($0) <= thresholdSeconds }
        let missedInWindow = fires.filter { lateness($0) > thresholdSeconds && lateness($0) <= windowSeconds }
        var running = Set(onTime)
        switch policy {
        case .skip:
            break
        case .latest:
            if onTime.isEmpty, let latest = missedInWindow.last { running.insert(latest) }
        case .all:
            running.formUnion(missedInWindow.suffix(max(maxCatchUpRuns, 0)))
        }
        return fires.map { Outcome(scheduledFor: $0, skipReason: running.contains($0) ? nil : "missed") }
    }
}
