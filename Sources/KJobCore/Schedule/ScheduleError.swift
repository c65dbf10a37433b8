/// Why a schedule was rejected: names the field and what would be accepted.
public struct ScheduleError: Error, Hashable, Sendable, CustomStringConvertible {
    public var input: String
    /// The offending field (`second`, `minute`, `hour`, `day-of-month`, `month`, `day-of-week`,
    /// `interval` of `@every`, `time` of `@once`), or nil when the error concerns the whole expression.
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
