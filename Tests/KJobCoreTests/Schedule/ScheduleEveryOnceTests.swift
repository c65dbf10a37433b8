import Foundation
import Testing

@testable import KJobCore

@Suite struct ScheduleEveryOnceTests {
    @Test func everyFiresAtUnixEpochMultiples() throws {
        #expect(try fireTexts("@every 1h", after: "2026-06-01T10:17:03Z", count: 2) == ["2026-06-01T11:00:00Z", "2026-06-01T12:00:00Z"])
        // 7m = 420 s; 1780308000 is the first multiple after 2026-06-01T10:00:00Z (1780308000 = 420 * 4238828.57.. -> next).
        let schedule = try Schedule(parsing: "@every 7m")
        let start = try RFC3339.parse("2026-06-01T10:00:00Z").date
        for fire in schedule.fires(after: start, in: .gmt, count: 50) {
            #expect(Int64(fire.timeIntervalSince1970) % 420 == 0)
        }
        #expect(schedule.interval == .seconds(420))
    }

    @Test func everyIgnoresTheTimeZoneSoBothNodesAgree() throws {
        let schedule = try Schedule(parsing: "@every 90s")
        let start = Date(timeIntervalSince1970: 1_780_000_000.5)
        let a = schedule.fires(after: start, in: TimeZone(identifier: "Australia/Lord_Howe")!, count: 5)
        let b = schedule.fires(after: start, in: .gmt, count: 5)
        #expect(a == b)
        #expect(a.first == Date(timeIntervalSince1970: 1_780_000_020))  // 90 * 19_777_778
    }

    @Test func everyIsStrictlyAfterAnExactMultiple() throws {
        let schedule = try Schedule(parsing: "@every 1m30s")
        let fire = Date(timeIntervalSince1970: 1_780_000_020)
        #expect(schedule.nextFire(after: fire, in: .gmt) == Date(timeIntervalSince1970: 1_780_000_110))
        let half = try Schedule(parsing: "@every 1s500ms")
        #expect(half.nextFire(after: Date(timeIntervalSince1970: 3), in: .gmt) == Date(timeIntervalSince1970: 4.5))
    }

    @Test func onceFiresOnceThenNever() throws {
        let schedule = try Schedule(parsing: "@once 2026-12-06T11:00:00+01:00")
        let at = try RFC3339.parse("2026-12-06T10:00:00Z").date
        #expect(schedule.onceAt == at)
        #expect(schedule.nextFire(after: at.addingTimeInterval(-1), in: .gmt) == at)
        #expect(schedule.nextFire(after: at, in: .gmt) == nil)
        #expect(schedule.nextFire(after: at.addingTimeInterval(86_400), in: .gmt) == nil)
        #expect(schedule.fires(after: .distantPast, in: .gmt, count: 5) == [at])
    }

    @Test func rfc3339RoundTripsWithOffsets() throws {
        let stamp = try RFC3339.parse("2026-03-29T02:00:00.250+01:00")
        #expect(stamp.offsetSeconds == 3600)
        #expect(stamp.date.timeIntervalSince1970 == 1_774_746_000.25)
        #expect(RFC3339.format(stamp.date, offsetSeconds: 3600) == "2026-03-29T02:00:00+01:00")
        #expect(RFC3339.format(stamp.date, offsetSeconds: -34_200) == "2026-03-28T15:30:00-09:30")
        #expect(try RFC3339.parse("2026-03-29t01:00:00z").date.timeIntervalSince1970 == 1_774_746_000)
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1e300), offsetSeconds: 0) == "9999-12-31T23:59:59Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: .infinity), offsetSeconds: 0) == "9999-12-31T23:59:59Z")
        #expect(throws: ValueParseError.self) { try RFC3339.parse("2026-03-29T01:00:00+1:00") }
        #expect(throws: ValueParseError.self) { try RFC3339.parse("2026-03-29T24:00:00Z") }
        #expect(throws: ValueParseError.self) { try RFC3339.parse("2026-03-29T01:00:00Z ") }
    }
}
