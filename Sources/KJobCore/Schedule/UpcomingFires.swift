import Foundation

/// The next fires across many jobs in time order (`kjob upcoming`), merged from each job's
/// pending fire and schedule. Bounded work: `nextFire` runs once per fire returned and once per
/// job, however wide the window or dense a schedule.
public enum UpcomingFires {
    /// One job's schedule from its pending fire on.
    public struct Source: Sendable {
        /// The job's pending fire (`next_fire_at`).
        public var first: Date
        public var schedule: Schedule
        public var zone: TimeZone

        public init(first: Date, schedule: Schedule, zone: TimeZone) {
            self.first = first
            self.schedule = schedule
            self.zone = zone
        }
    }

    public struct Fire: Hashable, Sendable {
        /// Index of the fire's source.
        public var source: Int
        public var at: Date

        public init(source: Int, at: Date) {
            self.source = source
            self.at = at
        }
    }

    /// The first `limit` fires before `end`, oldest first (ties in source order); `truncated`
    /// when more fires fall before `end`.
    public static func merge(_ sources: [Source], before end: Date, limit: Int) -> (fires: [Fire], truncated: Bool) {
        // Pending fire of each source, kept sorted by (time, source): the earliest is popped and its
        // successor inserted in order.
        var cursors = sources.enumerated().map { Fire(source: $0.offset, at: $0.element.first) }.filter { $0.at < end }
        cursors.sort(by: precedes)
        var fires: [Fire] = []
        while !cursors.isEmpty {
            guard fires.count < limit else { return (fires, true) }
            let fire = cursors.removeFirst()
            fires.append(fire)
            let source = sources[fire.source]
            guard let next = source.schedule.nextFire(after: fire.at, in: source.zone), next > fire.at, next < end else { continue }
            let successor = Fire(source: fire.source, at: next)
            var low = 0
            var high = cursors.count
            while low < high {
                let middle = (low + high) / 2
                if precedes(cursors[middle], successor) { low = middle + 1 } else { high = middle }
            }
            cursors.insert(successor, at: low)
        }
        return (fires, false)
    }

    static func precedes(_ a: Fire, _ b: Fire) -> Bool {
        a.at != b.at ? a.at < b.at : a.source < b.source
    }
}
