/// One problem with one field of a job spec, phrased so that the reader knows what to change.
///
/// `field` is the dotted path of the offending key as written in the file (`job.retries.initial`,
/// `job.output[1].on`); for a TOML or JSON syntax error it is empty and `line`/`column` say where.
public struct FieldError: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String
    /// 1-based position of a syntax error; nil for field errors.
    public var line: Int?
    public var column: Int?

    public init(field: String, message: String, line: Int? = nil, column: Int? = nil) {
        self.field = field
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        if let line {
            let at = column.map { "line \(line), column \($0)" } ?? "line \(line)"
            return field.isEmpty ? "\(at): \(message)" : "\(field) (\(at)): \(message)"
        }
        return field.isEmpty ? message : "\(field): \(message)"
    }
}
