import Testing

@testable import KJobCore

/// The Vixie day rule: restricted day-of-month and day-of-week are ORed, unless either field
/// starts with `*` (also `*/n`) or is `?`, in which case they are ANDed.
@Suite struct ScheduleVixieTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var expression: String
        var fires: [String]
        var testDescription: String { expression }
    }

    // June 2026: Monday the 1st; July: Wednesday the 1st.
    static let rows: [Row] = [
        // Both restricted: OR.
        Row(expression: "0 0 13 * 5", fires: ["2026-06-05", "2026-06-12", "2026-06-13", "2026-06-19", "2026-06-26", "2026-07-03"]),
        Row(expression: "0 0 1,15 * MON", fires: ["2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29", "2026-07-01", "2026-07-06"]),
        Row(expression: "0 0 L * 1#1", fires: ["2026-06-30", "2026-07-06", "2026-07-31", "2026-08-03", "2026-08-31", "2026-09-07"]),
        // Day-of-month starts with '*': AND (odd days that are Mondays).
        Row(expression: "0 0 */2 * 1", fires: ["2026-06-15", "2026-06-29", "2026-07-13", "2026-07-27", "2026-08-03", "2026-08-17"]),
        Row(expression: "0 0 */2 * MON", fires: ["2026-06-15", "2026-06-29", "2026-07-13", "2026-07-27", "2026-08-03", "2026-08-17"]),
        // Day-of-week starts with '*': AND (the 1st or 15th when it is a Sunday, Tuesday, Thursday or Saturday).
        Row(expression: "0 0 1,15 * */2", fires: ["2026-08-01", "2026-08-15", "2026-09-01", "2026-09-15", "2026-10-01", "2026-10-15"]),
        // '*' and '?': just the other field.
        Row(expression: "0 0 * * 1", fires: ["2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29", "2026-07-06", "2026-07-13"]),
        Row(expression: "0 0 ? * 1", fires: ["2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29", "2026-07-06", "2026-07-13"]),
        Row(expression: "0 0 13 * *", fires: ["2026-06-13", "2026-07-13", "2026-08-13", "2026-09-13", "2026-10-13", "2026-11-13"]),
        Row(expression: "0 0 13 * ?", fires: ["2026-06-13", "2026-07-13", "2026-08-13", "2026-09-13", "2026-10-13", "2026-11-13"]),
        // A full range that does not start with '*' is restricted: OR with Monday = every day.
        Row(expression: "0 0 1-31 * 1", fires: ["2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05", "2026-06-06", "2026-06-07"])
    ]

    @Test(arguments: rows)
    func dayRule(_ row: Row) throws {
        let fires = try fireTexts(row.expression, after: "2026-06-01T00:00:00Z", count: row.fires.count)
        #expect(fires == row.fires.map { $0 + "T00:00:00Z" })
    }
}
