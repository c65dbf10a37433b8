/// Durations as operators write them: `500ms`, `90s`, `10m`, `1h30m`, `2d`.
///
/// Strict on purpose: units must be present, each unit appears once, larger units come first,
/// and there are no spaces or signs, so that a typo never turns into a surprising interval.
public enum DurationText {
    static let units: [(suffix: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)
    ]

    /// Largest accepted duration (about 100 years); guards the arithmetic against overflow.
    static let maximumMilliseconds: Int64 = 100 * 366 * 86_400_000

    static let hint = "write a whole number and a unit, largest first, e.g. 500ms, 90s, 10m, 1h30m, 2d"

    public static func parse(_ text: String) throws(ValueParseError) -> Duration {
        .milliseconds(try parseMilliseconds(text))
    }

    public static func parseMilliseconds(_ text: String) throws(ValueParseError) -> Int64 {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else {
            throw ValueParseError(input: text, reason: "empty duration; \(hint)")
        }
        var index = 0
        var total: Int64 = 0
        var lastRank = -1
        while index < bytes.count {
            var number: Int64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                number = number &* 10 &+ Int64(bytes[index] - 48)
                guard number <= maximumMilliseconds else {
                    throw ValueParseError(input: text, reason: "duration is too large")
                }
                index += 1
            }
            guard index > start else {
                throw ValueParseError(input: text, reason: "expected a number at position \(start + 1); \(hint)")
            }
            let unitStart = index
            // Any ASCII letters, so "10S" or "5min" get a precise "unknown unit" message.
            while index < bytes.count, (bytes[index] | 0x20) >= 97, (bytes[index] | 0x20) <= 122 { index += 1 }
            let unit = String(decoding: bytes[unitStart..<index], as: UTF8.self)
            guard !unit.isEmpty else {
                if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                    throw ValueParseError(input: text, reason: "fractions are not accepted; combine units instead, e.g. 1h30m rather than 1.5h, or 1500ms")
                }
                throw ValueParseError(input: text, reason: "missing unit after \(number); \(hint)")
            }
            guard let rank = units.firstIndex(where: { $0.suffix == unit }) else {
                throw ValueParseError(input: text, reason: "unknown unit \"\(unit)\"; use ms, s, m, h or d")
            }
            guard rank > lastRank else {
                throw ValueParseError(input: text, reason: "units must appear once each, largest first; \(hint)")
            }
            lastRank = rank
            let (product, overflow) = number.multipliedReportingOverflow(by: units[rank].milliseconds)
            guard !overflow, product <= maximumMilliseconds - total else {
                throw ValueParseError(input: text, reason: "duration is too large")
            }
            total += product
        }
        return total
    }

    /// The shortest text that parses back to the same duration (sub-millisecond parts dropped).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return format(milliseconds: seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
    }

    public static func format(milliseconds: Int64) -> String {
        guard milliseconds > 0 else { return "0s" }
        var rest = milliseconds
        var text = ""
        for unit in units where rest >= unit.milliseconds {
            text += "\(rest / unit.milliseconds)\(unit.suffix)"
            rest %= unit.milliseconds
        }
        return text
    }
}

extension Duration {
    /// Whole milliseconds, rounded toward zero.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }

    /// The duration in seconds, for `Date` arithmetic (`date.addingTimeInterval(d.timeInterval)`).
    public var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
