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

    @Test("agrees with Foundation's ISO 8601 style (what the API wrote before) on random instants")
    func matchesFoundation() {
        var random = SystemRandomNumberGenerator()
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for _ in 0..<2000 {
            // Whole microseconds, as Postgres timestamps are.
            let micros = Int64.random(in: 0...4_102_444_800_000_000, using: &random)
            let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            #expect(RFC3339.formatUTCMilliseconds(date) == date.formatted(style), "\(micros) µs")
        }
    }
}
