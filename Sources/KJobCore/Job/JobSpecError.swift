/// Why a job spec was rejected: every problem found, not just the first.
public struct JobSpecError: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    public var errors: [FieldError]

    public init(errors: [FieldError]) {
        self.errors = errors
    }

    /// The fields named by the errors, in order; handy in tests and for problem+json.
    public var fields: [String] { errors.map(\.field) }

    /// The first error for `field`, if any.
    public func error(for field: String) -> FieldError? {
        errors.first { $0.field == field }
    }

    public var description: String {
        switch errors.count {
        case 0: return "invalid job spec"
        case 1: return "invalid job spec: \(errors[0])"
        default: return "invalid job spec (\(errors.count) problems):\n" + errors.map { "  - \($0)" }.joined(separator: "\n")
        }
    }
}
