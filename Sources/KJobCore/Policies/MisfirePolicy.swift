import Foundation

/// What happens to fires whose time passed while no node was active (TOML `misfire`).
///
/// A fire is *within the window* when `now - fire ≤ window`. Every fire not run is returned as a
/// skip with its reason, so history shows what did not happen and why.
public struct MisfirePolicy: Hashable, Sendable {
    public enum Mode: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
        /// Run none of them.
        case skip
        /// Run the latest fire within the window, skip the others.
        case latest
        /// Run every fire within the window, up to `maxCatchUp` (the latest ones), skip the rest.
        case all
        public var description: String { rawValue }
    }

    /// TOML `policy`.
    public var mode: Mode
    /// TOML `window`: > 0 and ≤ 7 days.
    public var window: Duration
    /// Bound on the runs `all` starts at once; not in the job file.
    public var maxCatchUp: Int

    public static let defaultMaxCatchUp = 100

    public init(mode: Mode = .latest, window: Duration = .seconds(3600), maxCatchUp: Int = MisfirePolicy.defaultMaxCatchUp) {
        self.mode = mode
        self.window = window
        self.maxCatchUp = maxCatchUp
    }

    /// Run the latest missed fire of the last hour.
    public static let `default` = MisfirePolicy()

    /// A missed fire that will not run.
    public struct SkippedFire: Hashable, Sendable {
        public var scheduledFor: Date
        public var reason: SkipReason

        public init(scheduledFor: Date, reason: SkipReason) {
            self.scheduledFor = scheduledFor
            self.reason = reason
        }
    }

    public struct Decision: Hashable, Sendable {
        /// Fires to run now, oldest first.
        public var runs: [Date]
        /// Fires written down as skipped, oldest first.
        public var skipped: [SkippedFire]
        /// The enumeration behind this decision was cut short, so some missed fires are neither
        /// run nor recorded (only `plan` sets this).
        public var someFiresUnrecorded: Bool

        public init(runs: [Date] = [], skipped: [SkippedFire] = [], someFiresUnrecorded: Bool = false) {
            self.runs = runs
            self.skipped = skipped
            self.someFiresUnrecorded = someFiresUnrecorded
        }
    }

    /// Decides over the missed fires (any order; duplicates collapse; fires after `now` are not
    /// missed and are left out).
    public func decide(missed: [Date], now: Date) -> Decision {
        let fires = Set(missed).filter { $0 <= now }.sorted()
        let windowSeconds = Double(window.milliseconds) / 1000
        let inWindow = fires.filter { now.timeIntervalSince($0) <= windowSeconds }
        let stale = fires.filter { now.timeIntervalSince($0) > windowSeconds }

        var decision = Decision(skipped: stale.map { SkippedFire(scheduledFor: $0, reason: .missed) })
        switch mode {
        case .skip:
            decision.skipped += inWindow.map { SkippedFire(scheduledFor: $0, reason: .missed) }
        case .latest:
            if let last = inWindow.last {
                decision.skipped += inWindow.dropLast().map { SkippedFire(scheduledFor: $0, reason: .superseded) }
                decision.runs = [last]
            }
        case .all:
            let bound = max(maxCatchUp, 0)
            let dropped = max(inWindow.count - bound, 0)
            decision.skipped += inWindow.prefix(dropped).map { SkippedFire(scheduledFor: $0, reason: .catchUpLimit) }
            decision.runs = Array(inWindow.suffix(inWindow.count - dropped))
        }
        decision.skipped.sort { $0.scheduledFor < $1.scheduledFor }
        return decision
    }

    /// Enumerates the fires missed in `(lastFire, now]` with `nextFire` and decides over them,
    /// with bounded work: at most `recordLimit` fires before the window are recorded (oldest
    /// first) and at most `max(recordLimit, maxCatchUp)` within it (latest first).
    public func plan(
        after lastFire: Date,
        now: Date,
        recordLimit: Int = 100,
        nextFire: (Date) -> Date?
    ) -> Decision {
        guard lastFire < now else { return Decision() }
        let windowStart = now.addingTimeInterval(-Double(window.milliseconds) / 1000)
        var missed: [Date] = []
        var cutShort = false
        if lastFire < windowStart {
            let stale = MissedFires.enumerate(after: lastFire, through: windowStart, limit: recordLimit, keep: .earliest, nextFire: nextFire)
            missed += stale.fires.filter { $0 < windowStart }
            cutShort = cutShort || stale.isTruncated
        }
        // Start a hair before the window so a fire exactly at its start is included.
        let inWindowStart = max(lastFire, windowStart.addingTimeInterval(-0.000_5))
        let recent = MissedFires.enumerate(
            after: inWindowStart, through: now, limit: max(recordLimit, maxCatchUp, 1), keep: .latest, nextFire: nextFire)
        missed += recent.fires
        cutShort = cutShort || recent.isTruncated
        var decision = decide(missed: missed, now: now)
        decision.someFiresUnrecorded = cutShort
        return decision
    }
}
