import Foundation

extension Schedule {
    /// This schedule's fires in `(start, end]` evaluated in `timeZone`; see `MissedFires.enumerate`.
    public func fires(
        after start: Date,
        through end: Date,
        in timeZone: TimeZone,
        limit: Int,
        keep: MissedFires.Keep = .earliest
    ) -> MissedFires {
        MissedFires.enumerate(after: start, through: end, limit: limit, keep: keep) { nextFire(after: $0, in: timeZone) }
    }
}
