import Foundation

/// When a job fires: a cron expression (5 or 6 fields, or a macro such as `@daily`),
/// `@every <duration>` or `@once <RFC 3339 time>`. Syntax and the DST rule: README "Schedules".
public struct Schedule: Sendable, Hashable, CustomStringConvertible {
    /// The schedule as written.
    public let text: String
    let kind: Kind

    enum Kind: Hashable, Sendable {
        case cron(CronExpression)
        /// Fires at Unix-epoch multiples of the interval, so every node computes the same instants.
        case every(milliseconds: Int64)
        case once(RFC3339.Timestamp)
    }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"
    ]

    /// Parses and validates; an impossible schedule (`0 0 30 2 *`) is an error here.
    public init(parsing text: String) throws(ScheduleError) {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw ScheduleError(
                input: text, field: nil,
                message: "empty schedule; write a cron expression such as \"0 9 * * MON\", @daily, @every 1h or @once 2026-12-06T10:00:00Z")
        }
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard trimmed.hasPrefix("@") else {
            kind = .cron(try CronExpression(fields: words, input: text))
            return
        }
        let keyword = words[0].lowercased()
        if let expansion = Self.macros[keyword] {
            guard words.count == 1 else {
                throw ScheduleError(input: text, field: nil, message: "\(keyword) takes no arguments")
            }
            kind = .cron(try CronExpression(fields: expansion.split(separator: " ").map(String.init), input: text))
            return
        }
        switch keyword {
        case "@every":
            guard words.count == 2 else {
                throw ScheduleError(input: text, field: "interval", message: "write one duration after @every, e.g. @every 15m")
            }
            let milliseconds: Int64
            do {
                milliseconds = try DurationText.parseMilliseconds(words[1])
            } catch {
                throw ScheduleError(input: text, field: "interval", message: error.reason)
            }
            guard milliseconds >= 1_000 else {
                throw ScheduleError(input: text, field: "interval", message: "interval \(words[1]) is shorter than the minimum of 1s")
            }
            kind = .every(milliseconds: milliseconds)
        case "@once":
            guard words.count == 2 else {
                throw ScheduleError(input: text, field: "time", message: "write one RFC 3339 time after @once, e.g. @once 2026-12-06T10:00:00Z")
            }
            do {
                kind = .once(try RFC3339.parse(words[1]))
            } catch {
                throw ScheduleError(input: text, field: "time", message: error.reason)
            }
        default:
            throw ScheduleError(
                input: text, field: nil,
                message: "unknown macro \(words[0]); use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration> or @once <time>")
        }
    }

    /// The interval of an `@every` schedule.
    public var interval: Duration? {
        if case .every(let ms) = kind { return .milliseconds(ms) }
        return nil
    }

    /// The instant of an `@once` schedule.
    public var onceAt: Date? {
        if case .once(let stamp) = kind { return stamp.date }
        return nil
    }

    public var description: String { text }
}
