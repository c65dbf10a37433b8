import Foundation
import Hummingbird
import KJobCore

/// An RFC 9457 problem: what every error response is (`application/problem+json`).
public struct Problem: HTTPResponseError, Sendable {
    public struct FieldProblem: Codable, Sendable, Hashable {
        public var field: String
        public var message: String
        public var line: Int?
        public var column: Int?
    }

    public var status: HTTPResponse.Status
    /// Short stable code, also the end of `type` (`urn:kjob:problem:<code>`).
    public var code: String
    public var title: String
    public var detail: String
    public var errors: [FieldProblem]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, title: String, detail: String,
        errors: [FieldProblem] = [], headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var errors: [FieldProblem]?
    }

    public var body: Data {
        let body = Body(
            type: "urn:kjob:problem:\(code)", title: title, status: status.code, detail: detail,
            errors: errors.isEmpty ? nil : errors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(body)) ?? Data("{\"status\":\(status.code)}".utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension Problem {
    static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, code: "not-found", title: "Not found", detail: detail)
    }

    static func badRequest(_ detail: String, field: String? = nil) -> Problem {
        Problem(
            .badRequest, code: "bad-request", title: "Bad request", detail: detail,
            errors: field.map { [FieldProblem(field: $0, message: detail)] } ?? [])
    }

    static func unauthorized(_ detail: String) -> Problem {
        Problem(
            .unauthorized, code: "unauthorized", title: "Unauthorized", detail: detail,
            headers: [.wwwAuthenticate: "Bearer realm=\"kjob\""])
    }

    static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, code: "forbidden", title: "Forbidden", detail: detail)
    }

    static func conflict(_ detail: String) -> Problem {
        Problem(.conflict, code: "conflict", title: "Conflict", detail: detail)
    }

    static func tooLarge(limit: Int) -> Problem {
        Problem(
            .contentTooLarge, code: "too-large", title: "Request body too large",
            detail: "the request body exceeds \(limit) bytes (\(ByteSizeText.format(Int64(limit))))")
    }

    static func unavailable(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, code: "unavailable", title: "Service unavailable", detail: detail)
    }

    /// A job spec that does not parse (400) or does not validate (422).
    static func invalidSpec(_ error: JobSpecError) -> Problem {
        let fields = error.errors.map { FieldProblem(field: $0.field, message: $0.message, line: $0.line, column: $0.column) }
        let syntax = error.errors.allSatisfy { $0.field.isEmpty }
        let count = error.errors.count
        return Problem(
            syntax ? .badRequest : .unprocessableContent, code: syntax ? "malformed-body" : "invalid-job",
            title: syntax ? "Malformed job document" : "Invalid job",
            detail: count == 1 ? error.errors[0].description : "\(count) problems; see errors", errors: fields)
    }
}
