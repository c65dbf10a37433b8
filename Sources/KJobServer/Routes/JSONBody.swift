import Foundation
import Hummingbird

/// A small JSON object body (`{"note": …}`, a token to create): bounded, an object, only the
/// keys the route knows; each bad field is a 400 naming it.
struct JSONBody {
    let fields: [String: Any]

    /// Nil when the request has no body (or only whitespace).
    static func read(_ request: Request, keys: Set<String>, limit: Int, example: String) async throws -> JSONBody? {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Problem.tooLarge(limit: limit)
        }
        let buffer = try await request.body.collect(upTo: limit)
        let bytes = Array(buffer.readableBytesView)
        guard bytes.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return nil }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw Problem.badRequest("the body must be a JSON object such as \(example)")
        }
        if let unknown = object.keys.sorted().first(where: { !keys.contains($0) }) {
            throw Problem.badRequest(
                "unknown field \"\(unknown.prefix(60))\"; known: \(keys.sorted().joined(separator: ", "))", field: String(unknown.prefix(60)))
        }
        return JSONBody(fields: object)
    }

    /// The string at `key`; nil when absent or null.
    func string(_ key: String) throws -> String? {
        switch fields[key] {
        case nil, is NSNull: return nil
        case let text as String: return text
        default: throw Problem.badRequest("\(key) must be a string", field: key)
        }
    }
}
