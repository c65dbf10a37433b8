import Testing

@testable import KJobCore

@Suite struct ScheduleDescriptionTests {
    @Test(arguments: [
        ("0 9 * * 1", "At 09:00, only on Monday"),
        ("0 9 * * MON", "At 09:00, only on Monday"),
        ("*/15 * * * *", "Every 15 minutes"),
        ("* * * * *", "Every minute"),
        ("0 0 1 * *", "At 00:00 on day 1 of the month"),
        ("@monthly", "At 00:00 on day 1 of the month"),
        ("@daily", "At 00:00"),
        ("@hourly", "At minute 0 of every hour"),
        ("@yearly", "At 00:00 on day 1 of the month, only in January"),
        ("@every 1h", "Every 1h (aligned to the Unix epoch)"),
        ("@every 90m", "Every 1h30m (aligned to the Unix epoch)"),
        ("@once 2026-12-06T10:00:00Z", "Once at 2026-12-06T10:00:00Z"),
        ("@once 2026-12-06T11:00:00+01:00", "Once at 2026-12-06T11:00:00+01:00"),
        ("0 9,17 * * 1-5", "At 09:00 and 17:00, only on Monday through Friday"),
        ("30 8 * * 6,0", "At 08:30, only on Sunday and Saturday"),
        ("5/15 * * * *", "Every 15 minutes from minute 5"),
        ("0,20 9-17 * * *", "At minutes 0 and 20 past hours 9 through 17"),
        ("0,30 9-17 * * *", "Every 30 minutes, during hours 9 through 17"),
        ("15 3 * * *", "At 03:15"),
        ("15 3,4,5,6,7 * * *", "At minute 15 past hours 3 through 7"),
        ("0 */2 * * *", "At minute 0, every 2 hours"),
        ("*/10 * * * * *", "Every 10 seconds"),
        ("30 0 9 * * *", "At 09:00:30"),
        ("0 0 L * *", "At 00:00 on the last day of the month"),
        ("0 0 LW * *", "At 00:00 on the last weekday of the month"),
        ("0 0 15W * *", "At 00:00 on the weekday nearest day 15 of the month"),
        ("0 0 * * 5#2", "At 00:00, only on the second Friday of the month"),
        ("0 0 * * 5L", "At 00:00, only on the last Friday of the month"),
        ("0 0 1,15 * *", "At 00:00 on days 1 and 15 of the month"),
        ("0 0 13 * 5", "At 00:00 on day 13 of the month or on Friday"),
        ("0 0 */2 * 1", "At 00:00 on every 2nd day from day 1 of the month, if it is Monday"),
        ("0 12 * JUN-AUG *", "At 12:00, only in June through August")
    ])
    func describes(_ expression: String, _ text: String) throws {
        #expect(try Schedule(parsing: expression).humanDescription == text)
    }
}
