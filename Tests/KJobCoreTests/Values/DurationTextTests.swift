import KJobCore
import Testing

@Suite("DurationText")
struct DurationTextTests {
    @Test(arguments: [
        ("500ms", Int64(500)), ("90s", 90_000), ("10m", 600_000), ("1h30m", 5_400_000), ("2d", 172_800_000),
        ("1d2h3m4s5ms", 93_784_005), ("0s", 0), ("007s", 7_000), ("1500ms", 1_500), ("36500d", 3_153_600_000_000)
    ])
    func parsesStrictly(text: String, milliseconds: Int64) throws {
        #expect(try DurationText.parseMilliseconds(text) == milliseconds)
        #expect(try DurationText.parse(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: [
        ("", "empty duration"),
        ("10", "missing unit after 10"),
        ("s", "expected a number at position 1"),
        ("10x", "unknown unit \"x\""),
        ("10S", "unknown unit \"S\""),
        ("5min", "unknown unit \"min\""),
        ("1.5h", "fractions are not accepted"),
        ("30m1h", "largest first"),
        ("1m1m", "largest first"),
        ("1h 30m", "expected a number at position 3"),
        ("-5s", "expected a number at position 1"),
        ("+5s", "expected a number at position 1"),
        (" 5s", "expected a number at position 1"),
        ("99999999999999999999s", "too large"),
        ("36601d", "too large"),
        ("36600d1d", "largest first")
    ])
    func rejectsWithAReason(text: String, fragment: String) {
        #expect {
            try DurationText.parseMilliseconds(text)
        } throws: { error in
            guard let error = error as? ValueParseError else { return false }
            return error.input == text && error.reason.contains(fragment)
        }
    }

    @Test(arguments: [Int64(0), 1, 999, 1_000, 1_500, 60_000, 5_400_000, 86_400_000, 93_784_005, 3_153_600_000_000])
    func formatRoundTrips(milliseconds: Int64) throws {
        let text = DurationText.format(milliseconds: milliseconds)
        #expect(try DurationText.parseMilliseconds(text) == milliseconds)
        #expect(DurationText.format(.milliseconds(milliseconds)) == text)
    }

    @Test func formatIsShortest() {
        #expect(DurationText.format(.seconds(5400)) == "1h30m")
        #expect(DurationText.format(.milliseconds(1500)) == "1s500ms")
        #expect(DurationText.format(.seconds(0)) == "0s")
        #expect(DurationText.format(.seconds(-5)) == "0s")
        #expect(Duration.milliseconds(1234).milliseconds == 1234)
    }
}
