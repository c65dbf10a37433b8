import Foundation

/// The fires a backfill of `[from, to)` creates runs for (`kjob backfill`): a schedule's fires in
/// the range, oldest first, refused as a whole when there are more than `max`.
public struct BackfillPlan: Hashable, Sendable {
    /// `max` when none is given.
    public static let defaultMax = 100
    /// The largest `max` accepted: one backfill creates at most this many runs.
    public static let maxLimit = 1000
    /// Fires counted at most when a range is over its cap, so a huge range still answers quickly.
    public static let countLimit = 100_000

    /// Why a backfill was refused; `field` names the input to change.
    public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        public enum Kind: Hashable, Sendable {
            /// The request itself is wrong (reversed range, a `max` out of bounds, a future `to`).
            case invalid
            /// The range holds more fires than `max`; `count` of them (at least, when `countIsLowerBound`).
            case tooManyFires(count: Int, countIsLowerBound: Bool)
        }

        public var kind: Kind
        public var field: String
        public var message: String
        public var description: String { "\(field): \(message)" }
    }

    public var from: Date
    public var to: Date
    /// The fires in `[from, to)`, oldest first; at most `max`.
    public var fires: [Date]

    /// - Parameters:
    ///   - now: `to` may not be later (a backfill replays past fires; later ones are the scheduler's).
    public init(schedule: Schedule, in zone: TimeZone, from: Date, to: Date, max: Int = BackfillPlan.defaultMax, now: Date) throws(Refusal) {
        guard (1...Self.maxLimit).contains(max) else {
            throw Refusal(kind: .invalid, field: "max", message: "\(max) is out of range; use 1-\(Self.maxLimit)")
        }
        guard from < to else {
            throw Refusal(
                kind: .invalid, field: "to",
                message:
                    "the range [\(RFC3339.formatUTCMilliseconds(from)), \(RFC3339.formatUTCMilliseconds(to))) is \(from == to ? "empty" : "reversed"); `to` must be after `from`"
            )
        }
        guard to <= now else {
            throw Refusal(
                kind: .invalid, field: "to",
                message:
                    "\(RFC3339.formatUTCMilliseconds(to)) is in the future (now \(RFC3339.formatUTCMilliseconds(now))); a backfill replays past fires, the scheduler runs later ones"
            )
        }
        let fires = Self.fires(of: schedule, in: zone, from: from, to: to, upTo: max + 1).fires
        if fires.count > max {
            let (counted, complete) = Self.fires(of: schedule, in: zone, from: from, to: to, upTo: Self.countLimit)
            let count = complete ? "\(counted.count)" : "more than \(counted.count)"
            throw Refusal(
                kind: .tooManyFires(count: counted.count, countIsLowerBound: !complete), field: "max",
                message: "the range holds \(count) fires, more than max \(max); narrow the range or raise max (at most \(Self.maxLimit)); nothing was created")
        }
        self.from = from
        self.to = to
        self.fires = fires
    }

    /// The schedule's fires in `[from, to)`, at most `limit`; `complete` is false when more follow
    /// (or the schedule stopped advancing).
    static func fires(of schedule: Schedule, in zone: TimeZone, from: Date, to: Date, upTo limit: Int) -> (fires: [Date], complete: Bool) {
        var fires: [Date] = []
        // Fires fall on whole milliseconds: one before `from` makes `from` itself eligible.
        var cursor = from.addingTimeInterval(-0.001)
        while let next = schedule.nextFire(after: cursor, in: zone), next < to {
            guard next > cursor, fires.count < limit else { return (fires, false) }
            fires.append(next)
            cursor = next
        }
        return (fires, true)
    }
}
