import Foundation

/// What one materializer pass writes for a due job (DESIGN §7): each due fire queued or
/// recorded skipped with its reason, and where the job's schedule continues.
///
/// Pure: the fires come from `nextFire`, the decision from ``MisfirePolicy/decide(due:now:onTimeThreshold:enabled:)``.
public struct FirePlan: Hashable, Sendable {
    public struct Fire: Hashable, Sendable {
        public var scheduledFor: Date
        /// Nil: the fire runs (queued). Otherwise it is written down `skipped` for this reason.
        public var skipReason: SkipReason?

        public init(scheduledFor: Date, skipReason: SkipReason? = nil) {
            self.scheduledFor = scheduledFor
            self.skipReason = skipReason
        }
    }

    /// Every fire to write, oldest first.
    public var fires: [Fire]
    /// The job's `next_fire_at` after this pass; nil when its schedule has no further fire.
    public var nextFireAt: Date?
    /// The job's `last_fire_at` after this pass: the latest fire enumerated.
    public var lastFireAt: Date
    /// More fires were due than one pass enumerates: the oldest are written, the rest are neither
    /// run nor recorded, and the schedule continues after `now`.
    public var isTruncated: Bool

    public init(fires: [Fire], nextFireAt: Date?, lastFireAt: Date, isTruncated: Bool) {
        self.fires = fires
        self.nextFireAt = nextFireAt
        self.lastFireAt = lastFireAt
        self.isTruncated = isTruncated
    }

    /// The plan for a job whose earliest unwritten fire is `first`; nil when it is not due at `now`.
    ///
    /// - Parameters:
    ///   - limit: most fires enumerated (at least `first` itself).
    ///   - onTimeThreshold: a fire at most this late is on time and always runs.
    ///   - authorized: the owner still covers the job (``OwnerAuthority``); when not, every fire of an
    ///     enabled job is skipped `unauthorized` (a disabled job's stay `disabled`).
    public static func due(
        first: Date,
        now: Date,
        misfire: MisfirePolicy,
        enabled: Bool,
        authorized: Bool = true,
        onTimeThreshold: Duration,
        limit: Int,
        nextFire: (Date) -> Date?
    ) -> FirePlan? {
        guard first <= now else { return nil }
        let later = MissedFires.enumerate(after: first, through: now, limit: max(limit, 1) - 1, nextFire: nextFire)
        let enumerated = [first] + later.fires
        let last = enumerated[enumerated.count - 1]
        let following = later.isTruncated ? nextFire(now) : nextFire(last)
        var decision = misfire.decide(due: enumerated, now: now, onTimeThreshold: onTimeThreshold, enabled: enabled)
        if enabled, !authorized {
            decision = .init(skipped: enumerated.map { .init(scheduledFor: $0, reason: .unauthorized) })
        }
        let fires =
            decision.runs.map { Fire(scheduledFor: $0) }
            + decision.skipped.map { Fire(scheduledFor: $0.scheduledFor, skipReason: $0.reason) }
        return FirePlan(
            fires: fires.sorted { $0.scheduledFor < $1.scheduledFor }, nextFireAt: following, lastFireAt: last,
            isTruncated: later.isTruncated)
    }

    /// Fires that run.
    public var queuedCount: Int { fires.count { $0.skipReason == nil } }
}
