import Foundation

/// Why a CLI command failed, with the exit code it maps to (DESIGN §10).
public enum ClientError: Error, Sendable, CustomStringConvertible {
    /// Bad flags or input: exit 2.
    case usage(String)
    /// The server answered with a problem.
    case http(status: Int, problem: ProblemDetails)
    /// No server could be reached; one message per server tried.
    case unreachable([String])
    /// Anything else: exit 1.
    case failure(String)

    public var exitCode: Int32 {
        switch self {
        case .usage: 2
        case .http(let status, _):
            switch status {
            case 404: 3
            case 401, 403: 4
            default: 1
            }
        case .unreachable, .failure: 1
        }
    }

    public var description: String {
        switch self {
        case .usage(let message): return message
        case .http(let status, let problem):
            var text = "\(problem.title) (\(status)): \(problem.detail)"
            for error in problem.errors ?? [] where !(problem.errors?.count == 1 && problem.detail.hasSuffix(error.message)) {
                text += "\n  - \(error.field.isEmpty ? "" : error.field + ": ")\(error.message)"
            }
            return text
        case .unreachable(let attempts):
            return "no server could be reached:\n" + attempts.map { "  - \($0)" }.joined(separator: "\n")
        case .failure(let message): return message
        }
    }
}

/// An `application/problem+json` body.
public struct ProblemDetails: Codable, Sendable, Hashable {
    public struct FieldError: Codable, Sendable, Hashable {
        public var field: String
        public var message: String
    }

    public var type: String?
    public var title: String
    public var status: Int?
    public var detail: String
    public var errors: [FieldError]?

    public init(title: String, detail: String) {
        self.title = title
        self.detail = detail
    }
}
