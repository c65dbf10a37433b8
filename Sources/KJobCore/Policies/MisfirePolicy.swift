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

        public init(runs: [Date] = [], skipped: [SkippedFire] = []) {
            self.runs = runs
            self.skipped = skipped
        }
    }

    /// Decides over the missed fires (any order; duplicates collapse; fires after `now` are not
    /// missed and are left out).
    public func decide(missed: [Date], now: Date) -> Decision {
        let fires = Set(missed).filter { $0 <= now }.sorted()
        let windowSeconds = window.timeInterval
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

}
