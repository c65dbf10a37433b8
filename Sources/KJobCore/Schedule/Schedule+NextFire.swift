import Foundation

extension Schedule {
    /// The first fire strictly after `date`, evaluated in `timeZone`; nil when there is none
    /// (an `@once` already past, or beyond the year 9999).
    public func nextFire(after date: Date, in timeZone: TimeZone) -> Date? {
        switch kind {
        case .once(let stamp):
            return stamp.date > date ? stamp.date : nil
        case .every(let interval):
            let t = date.timeIntervalSince1970
            guard t.isFinite, abs(t) < 253_402_300_800 else { return nil }
            let ms = Int64((t * 1000).rounded(.down))
            var next = (CivilCalendar.floorDiv(ms, interval) + 1) * interval
            while Double(next) / 1000 <= t { next += interval }
            return Date(timeIntervalSince1970: Double(next) / 1000)
        case .cron(let cron):
            let t = date.timeIntervalSince1970
            guard t.isFinite, t > -62_135_596_800, t < 253_402_300_800 else { return nil }
            return cron.nextFire(after: Int64(t.rounded(.down)) + 1, zone: ZoneRules.for(timeZone))
                .map { Date(timeIntervalSince1970: TimeInterval($0)) }
        }
    }

    /// The first `count` fires after `date`.
    public func fires(after date: Date, in timeZone: TimeZone, count: Int) -> [Date] {
        var result: [Date] = []
        var cursor = date
        while result.count < count, let next = nextFire(after: cursor, in: timeZone) {
            result.append(next)
            cursor = next
        }
        return result
    }
}

extension CronExpression {
    /// The first fire at or after `start` (Unix seconds) under `zone`, with the DST rule:
    /// a wall time skipped by a spring-forward fires once at the first instant after the jump;
    /// a wall time repeated by a fall-back fires once, at its first occurrence; expressions whose
    /// hour field starts with `*` follow the real clock (skipped times do not fire, repeated ones
    /// fire twice).
    func nextFire(after start: Int64, zone: ZoneRules) -> Int64? {
        // A far match is searched once, not once per offset segment: a search from `from` that
        // found `match` answers any later search starting in [from, match].
        var memoFrom = Int64.max
        var memoMatch = Int64.min
        func match(atOrAfter wall: Int64) -> Int64? {
            if memoFrom <= wall, wall <= memoMatch { return memoMatch }
            guard let found = nextMatch(atOrAfter: wall) else { return nil }
            memoFrom = wall
            memoMatch = found
            return found
        }
        var s = start
        // Each pass either returns or moves to the next offset segment (at most a few hundred).
        while true {
            let segment = zone.segment(containing: s)
            if !hourStar, let begin = segment.start, begin == s, segment.offset > segment.previousOffset,
                let found = match(atOrAfter: s + segment.previousOffset), found < s + segment.offset
            {
                return s  // a skipped wall time: fire at the jump
            }
            var wall = s + segment.offset
            if !hourStar, let begin = segment.start, segment.previousOffset > segment.offset {
                wall = max(wall, begin + segment.previousOffset)  // repeated wall times fired in the first pass
            }
            guard let found = match(atOrAfter: wall) else { return nil }
            let instant = found - segment.offset
            guard let end = segment.end, instant >= end else { return instant }
            s = end
        }
    }
}
