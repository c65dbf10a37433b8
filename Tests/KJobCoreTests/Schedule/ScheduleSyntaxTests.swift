import Foundation
import Testing

@testable import KJobCore

/// Every syntax element, by its fires in UTC.
@Suite struct ScheduleSyntaxTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var expression: String
        var after: String
        var fires: [String]
        var testDescription: String { expression }
    }

    static let rows: [Row] = [
        Row(
            expression: "* * * * *", after: "2026-06-01T10:00:30Z",
            fires: ["2026-06-01T10:01:00Z", "2026-06-01T10:02:00Z"]),
        Row(
            expression: "*/15 * * * *", after: "2026-06-01T10:00:00Z",
            fires: ["2026-06-01T10:15:00Z", "2026-06-01T10:30:00Z", "2026-06-01T10:45:00Z", "2026-06-01T11:00:00Z"]),
        Row(
            expression: "5/15 * * * *", after: "2026-06-01T10:00:00Z",
            fires: ["2026-06-01T10:05:00Z", "2026-06-01T10:20:00Z", "2026-06-01T10:35:00Z", "2026-06-01T10:50:00Z", "2026-06-01T11:05:00Z"]),
        Row(
            expression: "10-50/20 * * * *", after: "2026-06-01T10:00:00Z",
            fires: ["2026-06-01T10:10:00Z", "2026-06-01T10:30:00Z", "2026-06-01T10:50:00Z", "2026-06-01T11:10:00Z"]),
        Row(
            expression: "0,30 9-10 * * *", after: "2026-06-01T00:00:00Z",
            fires: ["2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z", "2026-06-01T10:00:00Z", "2026-06-01T10:30:00Z", "2026-06-02T09:00:00Z"]),
        Row(
            expression: "0 0 1 jan,Jul *", after: "2026-06-01T00:00:00Z",
            fires: ["2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
        Row(
            expression: "0 0 1 FEB-APR *", after: "2026-06-01T00:00:00Z",
            fires: ["2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z", "2028-02-01T00:00:00Z"]),
        Row(
            expression: "0 9 * * mon-Wed", after: "2026-06-05T00:00:00Z",  // a Friday
            fires: ["2026-06-08T09:00:00Z", "2026-06-09T09:00:00Z", "2026-06-10T09:00:00Z", "2026-06-15T09:00:00Z"]),
        Row(expression: "0 0 * * 0", after: "2026-06-01T00:00:00Z", fires: ["2026-06-07T00:00:00Z"]),
        Row(expression: "0 0 * * 7", after: "2026-06-01T00:00:00Z", fires: ["2026-06-07T00:00:00Z"]),
        Row(
            expression: "0 0 * * 5-7", after: "2026-06-01T00:00:00Z",
            fires: ["2026-06-05T00:00:00Z", "2026-06-06T00:00:00Z", "2026-06-07T00:00:00Z", "2026-06-12T00:00:00Z"]),
        Row(expression: "0 0 ? * SUN", after: "2026-06-01T00:00:00Z", fires: ["2026-06-07T00:00:00Z"]),
        Row(expression: "0 0 15 * ?", after: "2026-06-01T00:00:00Z", fires: ["2026-06-15T00:00:00Z", "2026-07-15T00:00:00Z"]),
        Row(
            expression: "0 0 L * *", after: "2026-01-15T00:00:00Z",
            fires: ["2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z"]),
        Row(expression: "0 0 L 2 *", after: "2027-06-01T00:00:00Z", fires: ["2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z"]),
        // 2026-05-31 is a Sunday, 2026-10-31 a Saturday.
        Row(
            expression: "0 0 LW * *", after: "2026-05-01T00:00:00Z",
            fires: [
                "2026-05-29T00:00:00Z", "2026-06-30T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z", "2026-09-30T00:00:00Z", "2026-10-30T00:00:00Z"
            ]),
        // 15W: 2026-08-15 is a Saturday (-> Fri 14th), 2026-11-15 a Sunday (-> Mon 16th).
        Row(
            expression: "0 0 15W * *", after: "2026-08-01T00:00:00Z",
            fires: ["2026-08-14T00:00:00Z", "2026-09-15T00:00:00Z", "2026-10-15T00:00:00Z", "2026-11-16T00:00:00Z"]),
        // 1W never leaves the month: 2026-08-01 is a Saturday -> Monday 3rd.
        Row(expression: "0 0 1W 8 *", after: "2026-07-01T00:00:00Z", fires: ["2026-08-03T00:00:00Z"]),
        // 31W: 2026-05-31 is a Sunday -> Friday 29th; months without a 31st do not fire.
        Row(expression: "0 0 31W * *", after: "2026-05-01T00:00:00Z", fires: ["2026-05-29T00:00:00Z", "2026-07-31T00:00:00Z"]),
        Row(expression: "0 0 * * FRI#2", after: "2026-06-01T00:00:00Z", fires: ["2026-06-12T00:00:00Z", "2026-07-10T00:00:00Z"]),
        Row(
            expression: "0 0 * * 1#5", after: "2026-06-01T00:00:00Z",
            fires: ["2026-06-29T00:00:00Z", "2026-08-31T00:00:00Z", "2026-11-30T00:00:00Z"]),
        Row(expression: "0 0 * * 5L", after: "2026-06-01T00:00:00Z", fires: ["2026-06-26T00:00:00Z", "2026-07-31T00:00:00Z"]),
        Row(expression: "0 0 * * friL", after: "2026-06-01T00:00:00Z", fires: ["2026-06-26T00:00:00Z"]),
        Row(expression: "0 0 ? 2 MON#5", after: "2026-01-01T00:00:00Z", fires: ["2044-02-29T00:00:00Z"]),
        Row(expression: "0 0 29 2 *", after: "2096-03-01T00:00:00Z", fires: ["2104-02-29T00:00:00Z"]),
        Row(
            expression: "30 */20 * * * *", after: "2026-06-01T10:00:00Z",
            fires: ["2026-06-01T10:00:30Z", "2026-06-01T10:20:30Z", "2026-06-01T10:40:30Z"]),
        Row(
            expression: "*/20 * * * * *", after: "2026-06-01T10:00:00Z",
            fires: ["2026-06-01T10:00:20Z", "2026-06-01T10:00:40Z", "2026-06-01T10:01:00Z"]),
        Row(expression: "@yearly", after: "2026-06-01T00:00:00Z", fires: ["2027-01-01T00:00:00Z"]),
        Row(expression: "@annually", after: "2026-06-01T00:00:00Z", fires: ["2027-01-01T00:00:00Z"]),
        Row(expression: "@monthly", after: "2026-06-01T00:00:00Z", fires: ["2026-07-01T00:00:00Z"]),
        Row(expression: "@weekly", after: "2026-06-01T00:00:00Z", fires: ["2026-06-07T00:00:00Z"]),
        Row(expression: "@daily", after: "2026-06-01T00:00:00Z", fires: ["2026-06-02T00:00:00Z"]),
        Row(expression: "@MIDNIGHT", after: "2026-06-01T00:00:00Z", fires: ["2026-06-02T00:00:00Z"]),
        Row(expression: "@hourly", after: "2026-06-01T00:00:00Z", fires: ["2026-06-01T01:00:00Z"]),
        Row(expression: "  0\t9 * * MON  ", after: "2026-06-01T09:00:00Z", fires: ["2026-06-08T09:00:00Z"])
    ]

    @Test(arguments: rows)
    func fires(_ row: Row) throws {
        #expect(try fireTexts(row.expression, after: row.after, count: row.fires.count) == row.fires)
    }

    @Test func nextFireIsStrictlyAfterEvenOnAFireAndWithFractions() throws {
        let schedule = try Schedule(parsing: "0 * * * *")
        let fire = try RFC3339.parse("2026-06-01T10:00:00Z").date
        let utc = TimeZone(identifier: "UTC")!
        #expect(schedule.nextFire(after: fire, in: utc) == fire.addingTimeInterval(3600))
        #expect(schedule.nextFire(after: fire.addingTimeInterval(-0.25), in: utc) == fire)
    }

    @Test func rareSchedulesAcrossManyDSTChanges() throws {
        #expect(
            try fireTexts("0 0 ? 2 MON#5", zone: "America/New_York", after: "2026-01-01T00:00:00Z", count: 2)
                == ["2044-02-29T00:00:00-05:00", "2072-02-29T00:00:00-05:00"])
        #expect(
            try fireTexts("0 0 29 2 *", zone: "Europe/Lisbon", after: "2096-03-01T00:00:00Z", count: 1)
                == ["2104-02-29T00:00:00Z"])
    }

    @Test func farFutureAndNonFiniteStartsEndWithoutSearchingForever() throws {
        let schedule = try Schedule(parsing: "0 0 * * *")
        #expect(schedule.nextFire(after: Date(timeIntervalSince1970: 253_402_300_799), in: .gmt) == nil)
        #expect(schedule.nextFire(after: Date(timeIntervalSince1970: .infinity), in: .gmt) == nil)
        #expect(schedule.nextFire(after: Date(timeIntervalSince1970: .nan), in: .gmt) == nil)
    }

    /// The field-by-field search against a second-by-second walk over the same bitsets.
    @Test(arguments: ["*/7 3-5 * * *", "0 12 L,15 * 1", "59 23 LW 2 *", "0 0 ? * 0#1,6L", "5 4 * * *", "0 0 1W,31W * *"])
    func fieldJumpsMatchAWalk(_ expression: String) throws {
        let schedule = try Schedule(parsing: expression)
        guard case .cron(let cron) = schedule.kind else {
            Issue.record("not cron")
            return
        }
        var wall = Int64(1_780_000_000)
        for _ in 0..<20 {
            let jumped = try #require(cron.nextMatch(atOrAfter: wall))
            var walked = wall
            while !cron.matches(wall: walked) {
                if !cron.matchesDay(wall: walked) {
                    walked = (CivilCalendar.floorDiv(walked, 86_400) + 1) * 86_400
                } else {
                    walked += walked % 60 == 0 && !cron.hasSeconds ? 60 : 1
                }
            }
            #expect(jumped == walked, "\(expression) from \(wall)")
            wall = jumped + 1
        }
    }
}

extension CronExpression {
    func matchesDay(wall: Int64) -> Bool {
        let (y, m, d) = CivilCalendar.civil(dayNumber: Int(CivilCalendar.floorDiv(wall, 86_400)))
        return months & (1 << UInt16(m)) != 0 && dayMask(year: y, month: m) & (1 << UInt64(d)) != 0
    }

    /// Whether a civil time matches, by the field bitsets directly (test reference).
    func matches(wall: Int64) -> Bool {
        let dayNumber = Int(CivilCalendar.floorDiv(wall, 86_400))
        let sod = Int(wall - Int64(dayNumber) * 86_400)
        let (y, m, d) = CivilCalendar.civil(dayNumber: dayNumber)
        return seconds & (1 << UInt64(sod % 60)) != 0 && minutes & (1 << UInt64(sod / 60 % 60)) != 0
            && hours & (1 << UInt32(sod / 3600)) != 0 && months & (1 << UInt16(m)) != 0
            && dayMask(year: y, month: m) & (1 << UInt64(d)) != 0
    }
}
