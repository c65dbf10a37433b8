import Foundation

/// Enumerates a schedule's fires in an interval, with bounded work, for misfire handling.
public struct MissedFires: Hashable, Sendable {
    /// Fires in the interval, oldest first.
    public var fires: [Date]
    /// More fires exist in the interval than were returned (or `nextFire` misbehaved).
    public var isTruncated: Bool

    public init(fires: [Date], isTruncated: Bool) {
        self.fires = fires
        self.isTruncated = isTruncated
    }

    /// Upper bound on `nextFire` calls for one enumeration.
    public static let defaultMaxSteps = 100_000

    /// The first `limit` fires in `(start, end]`, from a `nextFire(after:)` function; stops when it
    /// returns nil or a date that does not advance.
    public static func enumerate(
        after start: Date,
        through end: Date,
        limit: Int,
        maxSteps: Int = defaultMaxSteps,
        nextFire: (Date) -> Date?
    ) -> MissedFires {
        guard start < end else { return MissedFires(fires: [], isTruncated: false) }
        guard limit > 0 else {
            let any = nextFire(start).map { $0 > start && $0 <= end } ?? false
            return MissedFires(fires: [], isTruncated: any)
        }
        var fires: [Date] = []
        var cursor = start
        var steps = 0
        while true {
            guard steps < maxSteps else { return MissedFires(fires: fires, isTruncated: true) }
            steps += 1
            guard let next = nextFire(cursor), next <= end else { break }
            guard next > cursor else { return MissedFires(fires: fires, isTruncated: true) }
            guard fires.count < limit else { return MissedFires(fires: fires, isTruncated: true) }
            fires.append(next)
            cursor = next
        }
        return MissedFires(fires: fires, isTruncated: false)
    }
}
