import Testing

@testable import KJobCore

/// The DST rule (Vixie/Debian cron): a wall time skipped by a spring-forward fires once at the
/// first instant after the jump; a fixed wall time repeated by a fall-back fires once, at its
/// first occurrence; schedules whose hour field is `*` or `*/n` follow the real clock.
@Suite struct ScheduleDSTTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var zone: String
        var expression: String
        var after: String
        var fires: [String]
        var testDescription: String { "\(zone) \(expression) after \(after)" }
    }

    static let rows: [Row] = [
        // New York, spring forward 2026-03-08 02:00 EST -> 03:00 EDT.
        Row(
            zone: "America/New_York", expression: "30 2 * * *", after: "2026-03-07T12:00:00-05:00",
            fires: ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]),
        Row(
            zone: "America/New_York", expression: "0 3 * * *", after: "2026-03-07T12:00:00-05:00",
            fires: ["2026-03-08T03:00:00-04:00", "2026-03-09T03:00:00-04:00"]),
        Row(
            zone: "America/New_York", expression: "0,30 2 * * *", after: "2026-03-07T12:00:00-05:00",
            fires: ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]),
        Row(
            zone: "America/New_York", expression: "30 2 * * *", after: "2026-03-08T01:59:59-05:00",
            fires: ["2026-03-08T03:00:00-04:00"]),
        Row(
            zone: "America/New_York", expression: "*/30 * * * *", after: "2026-03-08T01:00:00-05:00",
            fires: ["2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"]),
        // New York, fall back 2026-11-01 02:00 EDT -> 01:00 EST.
        Row(
            zone: "America/New_York", expression: "30 1 * * *", after: "2026-10-31T12:00:00-04:00",
            fires: ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]),
        Row(
            zone: "America/New_York", expression: "30 1 * * *", after: "2026-11-01T01:10:00-05:00",
            fires: ["2026-11-02T01:30:00-05:00"]),
        Row(
            zone: "America/New_York", expression: "0 2 * * *", after: "2026-10-31T12:00:00-04:00",
            fires: ["2026-11-01T02:00:00-05:00", "2026-11-02T02:00:00-05:00"]),
        Row(
            zone: "America/New_York", expression: "*/30 * * * *", after: "2026-11-01T00:45:00-04:00",
            fires: [
                "2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T01:00:00-05:00",
                "2026-11-01T01:30:00-05:00", "2026-11-01T02:00:00-05:00"
            ]),
        Row(
            zone: "America/New_York", expression: "*/15 * * * *", after: "2026-11-01T01:40:00-04:00",
            fires: ["2026-11-01T01:45:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T01:15:00-05:00"]),
        // Lisbon, spring forward 2026-03-29 01:00 WET -> 02:00 WEST.
        Row(
            zone: "Europe/Lisbon", expression: "30 1 * * *", after: "2026-03-28T12:00:00Z",
            fires: ["2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00"]),
        Row(
            zone: "Europe/Lisbon", expression: "*/20 * * * *", after: "2026-03-29T00:30:00Z",
            fires: ["2026-03-29T00:40:00Z", "2026-03-29T02:00:00+01:00", "2026-03-29T02:20:00+01:00"]),
        // Lisbon, fall back 2026-10-25 02:00 WEST -> 01:00 WET.
        Row(
            zone: "Europe/Lisbon", expression: "15 1 * * *", after: "2026-10-24T12:00:00+01:00",
            fires: ["2026-10-25T01:15:00+01:00", "2026-10-26T01:15:00Z"]),
        Row(
            zone: "Europe/Lisbon", expression: "*/20 * * * *", after: "2026-10-25T00:50:00+01:00",
            fires: [
                "2026-10-25T01:00:00+01:00", "2026-10-25T01:20:00+01:00", "2026-10-25T01:40:00+01:00",
                "2026-10-25T01:00:00Z", "2026-10-25T01:20:00Z", "2026-10-25T01:40:00Z", "2026-10-25T02:00:00Z"
            ]),
        // Sydney, spring forward 2026-10-04 02:00 AEST -> 03:00 AEDT.
        Row(
            zone: "Australia/Sydney", expression: "0 2 * * *", after: "2026-10-03T12:00:00+10:00",
            fires: ["2026-10-04T03:00:00+11:00", "2026-10-05T02:00:00+11:00"]),
        Row(
            zone: "Australia/Sydney", expression: "45 2 * * *", after: "2026-10-03T12:00:00+10:00",
            fires: ["2026-10-04T03:00:00+11:00", "2026-10-05T02:45:00+11:00"]),
        Row(
            zone: "Australia/Sydney", expression: "*/30 * * * *", after: "2026-10-04T01:15:00+10:00",
            fires: ["2026-10-04T01:30:00+10:00", "2026-10-04T03:00:00+11:00", "2026-10-04T03:30:00+11:00"]),
        // Sydney, fall back 2026-04-05 03:00 AEDT -> 02:00 AEST.
        Row(
            zone: "Australia/Sydney", expression: "30 2 * * *", after: "2026-04-04T12:00:00+11:00",
            fires: ["2026-04-05T02:30:00+11:00", "2026-04-06T02:30:00+10:00"]),
        Row(
            zone: "Australia/Sydney", expression: "0 * * * *", after: "2026-04-05T01:30:00+11:00",
            fires: ["2026-04-05T02:00:00+11:00", "2026-04-05T02:00:00+10:00", "2026-04-05T03:00:00+10:00"]),
        // Lord Howe (30-minute DST), spring forward 2026-10-04 02:00 +10:30 -> 02:30 +11:00.
        Row(
            zone: "Australia/Lord_Howe", expression: "15 2 * * *", after: "2026-10-03T12:00:00+10:30",
            fires: ["2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"]),
        Row(
            zone: "Australia/Lord_Howe", expression: "45 2 * * *", after: "2026-10-03T12:00:00+10:30",
            fires: ["2026-10-04T02:45:00+11:00", "2026-10-05T02:45:00+11:00"]),
        Row(
            zone: "Australia/Lord_Howe", expression: "*/15 * * * *", after: "2026-10-04T01:40:00+10:30",
            fires: ["2026-10-04T01:45:00+10:30", "2026-10-04T02:30:00+11:00", "2026-10-04T02:45:00+11:00"]),
        Row(
            zone: "Australia/Lord_Howe", expression: "15 * * * *", after: "2026-10-04T01:20:00+10:30",
            fires: ["2026-10-04T03:15:00+11:00"]),
        // Lord Howe, fall back 2026-04-05 02:00 +11:00 -> 01:30 +10:30.
        Row(
            zone: "Australia/Lord_Howe", expression: "45 1 * * *", after: "2026-04-04T12:00:00+11:00",
            fires: ["2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"]),
        Row(
            zone: "Australia/Lord_Howe", expression: "15 1 * * *", after: "2026-04-04T12:00:00+11:00",
            fires: ["2026-04-05T01:15:00+11:00", "2026-04-06T01:15:00+10:30"]),
        Row(
            zone: "Australia/Lord_Howe", expression: "*/15 * * * *", after: "2026-04-05T01:20:00+11:00",
            fires: [
                "2026-04-05T01:30:00+11:00", "2026-04-05T01:45:00+11:00", "2026-04-05T01:30:00+10:30",
                "2026-04-05T01:45:00+10:30", "2026-04-05T02:00:00+10:30"
            ])
    ]

    @Test(arguments: rows)
    func dstRule(_ row: Row) throws {
        #expect(try fireTexts(row.expression, zone: row.zone, after: row.after, count: row.fires.count) == row.fires)
    }

    /// Stepping fire to fire through a whole year, as the scheduler does: `0 * * * *` follows the
    /// real clock, so consecutive fires are an hour apart except across Lord Howe's half-hour jump
    /// (01:00 +10:30 -> 03:00 +11:00 and 01:00 +11:00 -> 02:00 +10:30 are 90 minutes).
    @Test(arguments: ["America/New_York", "Europe/Lisbon", "Australia/Sydney", "Australia/Lord_Howe"])
    func hourlyThroughAYearFollowsTheRealClock(_ zone: String) throws {
        let schedule = try Schedule(parsing: "0 * * * *")
        let dates = schedule.fires(after: try RFC3339.parse("2026-01-01T00:00:00Z").date, in: .init(identifier: zone)!, count: 24 * 365)
        #expect(dates.count == 24 * 365)
        var longGaps = 0
        for (a, b) in zip(dates, dates.dropFirst()) {
            let gap = b.timeIntervalSince(a)
            if gap == 5400 { longGaps += 1 } else { #expect(gap == 3600, "\(a) -> \(b)") }
        }
        #expect(longGaps == (zone == "Australia/Lord_Howe" ? 2 : 0))
    }
}
