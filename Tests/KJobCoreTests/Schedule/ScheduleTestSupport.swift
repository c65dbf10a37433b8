import Foundation

@testable import KJobCore

/// The next `count` fires of `expression` after `after` (RFC 3339), as RFC 3339 in the zone.
func fireTexts(_ expression: String, zone: String = "UTC", after: String, count: Int) throws -> [String] {
    let schedule = try Schedule(parsing: expression)
    let timeZone = TimeZone(identifier: zone)!
    let start = try RFC3339.parse(after).date
    return schedule.fires(after: start, in: timeZone, count: count).map { RFC3339.format($0, in: timeZone) }
}

/// The error `expression` is rejected with, or nil when it parses.
func scheduleError(_ expression: String) -> ScheduleError? {
    do {
        _ = try Schedule(parsing: expression)
        return nil
    } catch {
        return error
    }
}
