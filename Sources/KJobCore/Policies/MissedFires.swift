import Foundation

/// Enumerates a schedule's fires in an interval, with bounded work, for misfire handling.
public struct MissedFires: Hashable, Sendable {
    public enum Keep: Hashable, Sendable {
        /// Stop after the first `limit` fires.
        case earliest
        /// Walk the whole interval (up to `maxSteps`) and keep the last `limit` fires.
        case latest
    }

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

    /// The fires in `(start, end]`, from a `nextFire(after:)` function; stops when it returns nil
    /// or a date that does not advance.
    public static func enumerate(
        after start: Date,
        through end: Date,
        limit: Int,
        keep: Keep = .earliest,
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
        var seen = 0
        var steps = 0
        while true {
            guard steps < maxSteps else { return MissedFires(fires: fires, isTruncated: true) }
            steps += 1
            guard let next = nextFire(cursor), next <= end else { break }
            guard next > cursor else { return MissedFires(fires: fires, isTruncated: true) }
            seen += 1
            switch keep {
            case .earliest:
                guard fires.count < limit else { return MissedFires(fires: fires, isTruncated: true) }
                fires.append(next)
            case .latest:
                fires.append(next)
                if fires.count > limit { fires.removeFirst(fires.count - limit) }
            }
            cursor = next
        }
        return MissedFires(fires: fires, isTruncated: seen > fires.count)
    }
}
