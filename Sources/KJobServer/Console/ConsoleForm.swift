import Foundation
import Hummingbird
import NIOCore

/// An `application/x-www-form-urlencoded` body as fields (the last of a repeated name wins).
struct ConsoleForm: Sendable {
    var fields: [String: String]

    init(fields: [String: String]) {
        self.fields = fields
    }

    init(parsing text: String) {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            fields[name] = parts.count > 1 ? Self.decode(parts[1]) : ""
        }
        self.fields = fields
    }

    /// Reads a request's form body (bounded by the API's body limit).
    static func read(_ request: Request, limit: Int) async throws -> ConsoleForm {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return ConsoleForm(parsing: String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    subscript(name: String) -> String? { fields[name] }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
