import Foundation

/// When a job fires: a cron expression, `@every <duration>` or `@once <RFC 3339 time>`.
///
/// STUB: the cron engine replaces this file; the API below is the contract other code uses.
public struct Schedule: Sendable, Hashable, CustomStringConvertible {
    /// The schedule as written.
    public let text: String

    /// Parses and validates; an impossible schedule (`0 0 30 2 *`) is an error here.
    public init(parsing text: String) throws(ScheduleError) {
        guard !text.isEmpty else { throw ScheduleError(input: text, field: nil, message: "empty schedule") }
        self.text = text
    }

    /// The first fire strictly after `date`, evaluated in `timeZone`; nil when there is none
    /// (an `@once` already past).
    public func nextFire(after date: Date, in timeZone: TimeZone) -> Date? { nil }

    /// A human description, e.g. "At 09:00, only on Monday".
    public var humanDescription: String { text }

    public var description: String { text }
}

/// Why a schedule was rejected: names the field and what would be accepted.
public struct ScheduleError: Error, Hashable, Sendable, CustomStringConvertible {
    public var input: String
    /// The offending field (`minute`, `hour`, `day-of-month`, `month`, `day-of-week`, `second`),
    /// or nil when the error concerns the whole expression.
    public var field: String?
    public var message: String

    public init(input: String, field: String?, message: String) {
        self.input = input
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "schedule \"\(input)\": \(field): \(message)" }
        return "schedule \"\(input)\": \(message)"
    }
}
