import Foundation

/// RFC 3339 timestamps with an explicit UTC offset (`2026-12-06T10:00:00Z`,
/// `2026-03-29T02:00:00+01:00`), parsed strictly and formatted without Foundation's formatters.
public enum RFC3339 {
    /// A parsed timestamp: the instant and the offset it was written with.
    public struct Timestamp: Hashable, Sendable {
        public var date: Date
        public var offsetSeconds: Int
    }

    static let hint = "write e.g. 2026-12-06T10:00:00Z or 2026-12-06T10:00:00+01:00"

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t`, `z` and a space for `T` are accepted.
    public static func parse(_ text: String) throws(ValueParseError) -> Timestamp {
        let b = Array(text.utf8)
        var i = 0
        func fail(_ why: String) -> ValueParseError {
            ValueParseError(input: text, reason: "\(why); \(hint)")
        }
        func digits(_ count: Int) -> Int? {
            guard i + count <= b.count else { return nil }
            var v = 0
            for k in 0..<count {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += count
            return v
        }
        func expect(_ chars: [UInt8]) -> Bool {
            guard i < b.count, chars.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect([45]), let month = digits(2), expect([45]), let day = digits(2) else {
            throw fail("expected a date YYYY-MM-DD")
        }
        guard expect([84, 116, 32]) else { throw fail("expected T between date and time") }
        guard let hour = digits(2), expect([58]), let minute = digits(2), expect([58]), let second = digits(2) else {
            throw fail("expected a time HH:MM:SS")
        }
        guard (1...12).contains(month), (1...CivilCalendar.daysInMonth(year: year, month: month)).contains(day),
            hour < 24, minute < 60, second < 60
        else {
            throw fail("date or time out of range")
        }
        var fraction = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { throw fail("expected digits after the decimal point") }
        }
        var offset = 0
        if expect([90, 122]) {
            offset = 0
        } else if i < b.count, b[i] == 43 || b[i] == 45 {
            let sign = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = digits(2), expect([58]), let om = digits(2), oh < 24, om < 60 else {
                throw fail("expected a UTC offset ±HH:MM")
            }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            throw fail("missing UTC offset (Z or ±HH:MM)")
        }
        guard i == b.count else { throw fail("unexpected text after the offset") }
        let wall =
            Int64(CivilCalendar.dayNumber(year: year, month: month, day: day)) * CivilCalendar.secondsPerDay
            + Int64(hour * 3600 + minute * 60 + second)
        let date = Date(timeIntervalSince1970: Double(wall - Int64(offset)) + fraction)
        return Timestamp(date: date, offsetSeconds: offset)
    }

    /// Formats whole seconds at the given offset: `2026-03-29T02:00:00+01:00`, `Z` for offset 0.
    public static func format(_ date: Date, offsetSeconds: Int) -> String {
        format(epochSeconds: epochSeconds(date), offsetSeconds: offsetSeconds)
    }

    /// Formats at the offset the zone has at that instant.
    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        let instant = epochSeconds(date)
        return format(epochSeconds: instant, offsetSeconds: ZoneRules.for(timeZone).offset(at: instant))
    }

    /// `2026-03-29T02:00:00.123Z`: UTC with milliseconds, as the API writes times. Built from
    /// digits, not a format style: listings write tens of thousands of these. The instant is
    /// taken to the nearest microsecond (what Postgres stores) before the milliseconds are
    /// floored, so a time that a `Double` holds a hair below `.228` still prints `.228` and
    /// ``parseUTCMilliseconds(_:)`` of the text gives it back.
    public static func formatUTCMilliseconds(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        let totalMs: Int64
        if t.isFinite, abs(t) < 253_402_300_800 {
            totalMs = CivilCalendar.floorDiv(Int64((t * 1_000_000).rounded()), 1000)
        } else {
            totalMs = epochSeconds(date) * 1000
        }
        let seconds = CivilCalendar.floorDiv(totalMs, 1000)
        let milli = Int(totalMs - seconds * 1000)
        let dayNumber = CivilCalendar.floorDiv(seconds, CivilCalendar.secondsPerDay)
        let sod = Int(seconds - dayNumber * CivilCalendar.secondsPerDay)
        let (y, m, d) = CivilCalendar.civil(dayNumber: Int(dayNumber))
        guard (0...9999).contains(y) else {
            let text = format(epochSeconds: seconds, offsetSeconds: 0)
            return text.dropLast() + "." + String(1000 + milli).dropFirst() + "Z"
        }
        let zero = UInt8(ascii: "0")
        func digit(_ v: Int) -> UInt8 { zero + UInt8(v) }
        let (h, mi, se) = (sod / 3600, sod / 60 % 60, sod % 60)
        let bytes: [UInt8] = [
            digit(y / 1000), digit(y / 100 % 10), digit(y / 10 % 10), digit(y % 10), UInt8(ascii: "-"),
            digit(m / 10), digit(m % 10), UInt8(ascii: "-"), digit(d / 10), digit(d % 10), UInt8(ascii: "T"),
            digit(h / 10), digit(h % 10), UInt8(ascii: ":"), digit(mi / 10), digit(mi % 10), UInt8(ascii: ":"),
            digit(se / 10), digit(se % 10), UInt8(ascii: "."), digit(milli / 100), digit(milli / 10 % 10), digit(milli % 10),
            UInt8(ascii: "Z")
        ]
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The inverse of ``formatUTCMilliseconds(_:)``, for exactly that shape; nil for any other
    /// text (``parse(_:)`` reads every form). A listing's client parses tens of thousands.
    public static func parseUTCMilliseconds(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { b -> Date? in
            guard b.count == 24, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x2E,
                b[23] == 0x5A
            else { return nil }
            var valid = true
            func number(_ start: Int, _ count: Int) -> Int {
                var value = 0
                for index in start..<(start + count) {
                    let digit = Int(b[index]) - 0x30
                    if digit < 0 || digit > 9 { valid = false }
                    value = value * 10 + digit
                }
                return value
            }
            let (year, month, day) = (number(0, 4), number(5, 2), number(8, 2))
            let (hour, minute, second, milli) = (number(11, 2), number(14, 2), number(17, 2), number(20, 3))
            guard valid, (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month),
                hour < 24, minute < 60, second < 60
            else { return nil }
            let seconds =
                Int64(CivilCalendar.dayNumber(year: year, month: month, day: day)) * CivilCalendar.secondsPerDay
                + Int64(hour * 3600 + minute * 60 + second)
            return Date(timeIntervalSince1970: Double(seconds) + Double(milli) / 1000)
        }
    }

    /// Whole seconds, clamped to years -9999...9999 so no date can trap the conversion.
    static func epochSeconds(_ date: Date) -> Int64 {
        let t = date.timeIntervalSince1970
        guard t.isFinite else { return t > 0 ? 253_402_300_799 : -377_705_116_800 }
        return Int64(min(max(t, -377_705_116_800), 253_402_300_799).rounded(.down))
    }

    static func format(epochSeconds: Int64, offsetSeconds: Int) -> String {
        let wall = epochSeconds + Int64(offsetSeconds)
        let dayNumber = CivilCalendar.floorDiv(wall, CivilCalendar.secondsPerDay)
        let sod = Int(wall - dayNumber * CivilCalendar.secondsPerDay)
        let (y, m, d) = CivilCalendar.civil(dayNumber: Int(dayNumber))
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var text = y >= 0 && y < 10000 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
        text += "-\(two(m))-\(two(d))T\(two(sod / 3600)):\(two(sod / 60 % 60)):\(two(sod % 60))"
        if offsetSeconds == 0 { return text + "Z" }
        let a = abs(offsetSeconds)
        text += "\(offsetSeconds < 0 ? "-" : "+")\(two(a / 3600)):\(two(a / 60 % 60))"
        if a % 60 != 0 { text += ":\(two(a % 60))" }
        return text
    }
}
