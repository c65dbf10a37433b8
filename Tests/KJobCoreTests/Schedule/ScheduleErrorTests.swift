import Testing

@testable import KJobCore

/// Every way a schedule is rejected, each naming the field and saying what would be accepted.
@Suite struct ScheduleErrorTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var expression: String
        var field: String?
        var says: String
        var testDescription: String { "\"\(expression)\"" }
    }

    static let rows: [Row] = [
        Row(expression: "", field: nil, says: "empty schedule"),
        Row(expression: "   ", field: nil, says: "empty schedule"),
        Row(expression: "* * * *", field: nil, says: "expected 5 fields"),
        Row(expression: "* * * * * * *", field: nil, says: "got 7"),
        Row(expression: "60 * * * *", field: "minute", says: "value 60 is out of range; use 0-59"),
        Row(expression: "* 24 * * *", field: "hour", says: "value 24 is out of range; use 0-23"),
        Row(expression: "* * 0 * *", field: "day-of-month", says: "value 0 is out of range"),
        Row(expression: "* * 32 * *", field: "day-of-month", says: "value 32 is out of range"),
        Row(expression: "* * * 13 *", field: "month", says: "use 1-12 or JAN-DEC"),
        Row(expression: "* * * 0 *", field: "month", says: "value 0 is out of range"),
        Row(expression: "* * * * 8", field: "day-of-week", says: "0 and 7 are Sunday"),
        Row(expression: "60 * * * * *", field: "second", says: "value 60 is out of range; use 0-59"),
        Row(expression: "5-2 * * * *", field: "minute", says: "runs backwards"),
        Row(expression: "* * * * FRI-MON", field: "day-of-week", says: "ranges do not wrap around"),
        Row(expression: "* * * NOV-FEB *", field: "month", says: "runs backwards"),
        Row(expression: "*/0 * * * *", field: "minute", says: "step 0"),
        Row(expression: "* 1-5/0 * * *", field: "hour", says: "must be between 1 and 24"),
        Row(expression: "*/61 * * * *", field: "minute", says: "must be between 1 and 60"),
        Row(expression: "*/x * * * *", field: "minute", says: "is not a number"),
        Row(expression: "*/+5 * * * *", field: "minute", says: "is not a number"),
        Row(expression: "-5 * * * *", field: "minute", says: "is not a valid value"),
        Row(expression: "1,,2 * * * *", field: "minute", says: "empty list element"),
        Row(expression: "1, * * * *", field: "minute", says: "empty list element"),
        Row(expression: "abc * * * *", field: "minute", says: "\"abc\" is not a valid value"),
        Row(expression: "* * * * MONDAY", field: "day-of-week", says: "SUN-SAT"),
        Row(expression: "* * * JAN-MON *", field: "month", says: "\"MON\" is not a valid value"),
        Row(expression: "* * * * JAN", field: "day-of-week", says: "not a valid value"),
        Row(expression: "? * * * *", field: "minute", says: "\"?\" is allowed only alone in day-of-month or day-of-week"),
        Row(expression: "* * ?/2 * *", field: "day-of-month", says: "\"?\""),
        Row(expression: "* * ?,1 * *", field: "day-of-month", says: "must stand alone"),
        Row(expression: "* * * * 1#6", field: "day-of-week", says: "must be 1-5"),
        Row(expression: "* * * * 1#0", field: "day-of-week", says: "must be 1-5"),
        Row(expression: "* * * * 8#1", field: "day-of-week", says: "out of range"),
        Row(expression: "* * * * 9L", field: "day-of-week", says: "out of range"),
        Row(expression: "* * 32W * *", field: "day-of-month", says: "out of range"),
        Row(expression: "* * L-3 * *", field: "day-of-month", says: "not a valid value"),
        Row(expression: "* * * * L", field: "day-of-week", says: "not a valid value"),
        Row(expression: "* * W * *", field: "day-of-month", says: "not a valid value"),
        Row(expression: "0 0 30 2 *", field: "day-of-month", says: "never fires"),
        Row(expression: "0 0 31 4,6,9,11 *", field: "day-of-month", says: "never fires"),
        Row(expression: "0 0 30,31 FEB *", field: "day-of-month", says: "never fires"),
        Row(expression: "@fortnightly", field: nil, says: "unknown macro @fortnightly"),
        Row(expression: "@daily 5", field: nil, says: "takes no arguments"),
        Row(expression: "@every", field: "interval", says: "write one duration"),
        Row(expression: "@every 0s", field: "interval", says: "shorter than the minimum of 1s"),
        Row(expression: "@every 500ms", field: "interval", says: "shorter than the minimum of 1s"),
        Row(expression: "@every 10", field: "interval", says: "missing unit"),
        Row(expression: "@every 1h 2m", field: "interval", says: "write one duration"),
        Row(expression: "@every 5x", field: "interval", says: "unknown unit"),
        Row(expression: "@once", field: "time", says: "write one RFC 3339 time"),
        Row(expression: "@once 2026-12-06T10:00:00", field: "time", says: "missing UTC offset"),
        Row(expression: "@once 2026-02-30T10:00:00Z", field: "time", says: "out of range"),
        Row(expression: "@once 2026-12-06", field: "time", says: "expected T"),
        Row(expression: "@once tomorrow", field: "time", says: "expected a date")
    ]

    @Test(arguments: rows)
    func rejects(_ row: Row) throws {
        let error = try #require(scheduleError(row.expression), "\"\(row.expression)\" should be rejected")
        #expect(error.field == row.field)
        #expect(error.message.contains(row.says), "message: \(error.message)")
        #expect(error.input == row.expression)
        #expect(error.description.contains(row.field ?? "schedule"))
    }

    /// Possible in some months or years only: accepted.
    @Test(arguments: [
        "0 0 * * 1#5", "0 0 29 2 *", "0 0 ? 2 MON#5", "0 0 31 * *", "0 0 30 2 MON", "0 0 */30 2 TUE",
        "0 0 31W 4-6 *", "0 0 LW 2 *", "0 0 ? 2 1L", "0 0 31 1-4 *"
    ])
    func acceptsSchedulesThatFireInSomeMonths(_ expression: String) throws {
        let schedule = try Schedule(parsing: expression)
        #expect(schedule.nextFire(after: .init(timeIntervalSince1970: 0), in: .gmt) != nil)
    }

    /// Unsatisfiable day combinations only reachable through the AND rule or specials.
    @Test(arguments: ["0 0 31W 2 *", "0 0 30,31 2 ?"])
    func rejectsImpossibleSpecials(_ expression: String) throws {
        let error = try #require(scheduleError(expression))
        #expect(error.message.contains("never fires"))
    }
}
