import Foundation
import KJobCore
import Testing

@Suite("RFC 3339 UTC milliseconds")
struct RFC3339FormatTests {
    @Test("known instants, including before 1970 and the clamped ends")
    func known() {
        #expect(RFC3339.formatUTCMilliseconds(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.formatUTCMilliseconds(Date(timeIntervalSince1970: 1_774_749_600.125)) == "2026-03-29T02:00:00.125Z")
        #expect(RFC3339.formatUTCMilliseconds(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(RFC3339.formatUTCMilliseconds(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(RFC3339.formatUTCMilliseconds(.distantFuture).hasPrefix("4001-01-01T00:00:00"))
        #expect(RFC3339.formatUTCMilliseconds(Date(timeIntervalSince1970: .infinity)) == "9999-12-31T23:59:59.000Z")
        #expect(RFC3339.formatUTCMilliseconds(Date(timeIntervalSince1970: .nan)).hasSuffix("Z"))
    }

    @Test("agrees with Foundation's ISO 8601 style on the millisecond a microsecond instant is in; parses back")
    func matchesFoundation() throws {
        var random = SystemRandomNumberGenerator()
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for _ in 0..<2000 {
            // Whole microseconds, as Postgres timestamps are; Foundation formats the middle of
            // the same millisecond (it floors the Double, which may sit a hair below a boundary).
            let micros = Int64.random(in: -2_208_988_800_000_000...4_102_444_800_000_000, using: &random)
            let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            let milliseconds = micros >= 0 ? micros / 1000 : (micros - 999) / 1000
            let middle = Date(timeIntervalSince1970: (Double(milliseconds) + 0.5) / 1000)
            let text = RFC3339.formatUTCMilliseconds(date)
            #expect(text == middle.formatted(style), "\(micros) µs")
            // Parsing it back gives the same text and the general parser's instant.
            let parsed = try #require(RFC3339.parseUTCMilliseconds(text))
            #expect(RFC3339.formatUTCMilliseconds(parsed) == text)
            #expect(abs(parsed.timeIntervalSince((try RFC3339.parse(text)).date)) < 0.000_001, "\(text)")
        }
        // Exactly on a millisecond, whatever the Double's rounding.
        #expect(RFC3339.formatUTCMilliseconds(Date(timeIntervalSince1970: 1_257_548_426.228)) == "2009-11-06T23:00:26.228Z")
    }

    @Test("the fast parser takes only its own shape and valid fields; the rest is left to parse(_:)")
    func parseShape() {
        #expect(RFC3339.parseUTCMilliseconds("2026-03-29T02:00:00.125Z") == Date(timeIntervalSince1970: 1_774_749_600.125))
        for text in [
            "2026-03-29T02:00:00Z", "2026-03-29T02:00:00.125+01:00", "2026-02-30T02:00:00.125Z", "2026-13-01T00:00:00.000Z",
            "2026-03-29T24:00:00.000Z", "2026-03-29T02:60:00.000Z", "2026-03-29t02:00:00.125Z", "2026-03-29T02:00:0x.125Z",
            "", "2026-03-29T02:00:00.1250Z", "2026-03-29T02:00:00.12Z "
        ] {
            #expect(RFC3339.parseUTCMilliseconds(text) == nil, "\(text)")
        }
    }
}
