import Foundation
import KJobCore

/// The body of `POST /v1/jobs/{slug}/backfill`: `{"from": T1, "to": T2, "max": N, "dry_run": bool}`,
/// times in RFC 3339. Unknown keys and wrong types are refused with the field named.
struct BackfillRequest: Sendable, Hashable {
    var from: Date
    var to: Date
    var max: Int
    var dryRun: Bool

    static let keys = ["from", "to", "max", "dry_run"]

    private struct Wire: Decodable {
        var from: String
        var to: String
        var max: Int?
        var dryRun: Bool?
        enum CodingKeys: String, CodingKey {
            case from, to, max
            case dryRun = "dry_run"
        }
    }

    /// Accepts any JSON value, to list an object's keys.
    private struct AnyValue: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    init(json bytes: [UInt8]) throws {
        let data = Data(bytes)
        let example = "such as {\"from\": \"2026-01-01T00:00:00Z\", \"to\": \"2026-01-02T00:00:00Z\", \"dry_run\": true}"
        guard let object = try? JSONDecoder().decode([String: AnyValue].self, from: data) else {
            throw Problem.badRequest("the body must be a JSON object \(example)")
        }
        if let unknown = object.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw Problem.badRequest(
                "unknown key \"\(unknown.prefix(40))\"; known keys: \(Self.keys.joined(separator: ", "))", field: String(unknown.prefix(40)))
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw Problem.badRequest("\(key.stringValue) is required: an RFC 3339 time; \(example)", field: key.stringValue)
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.first?.stringValue ?? ""
            let expected = field == "max" ? "an integer in 1-\(BackfillPlan.maxLimit)" : field == "dry_run" ? "true or false" : "an RFC 3339 time string"
            throw Problem.badRequest("\(field) must be \(expected)", field: field)
        } catch {
            throw Problem.badRequest("the body must be a JSON object \(example)")
        }
        func time(_ text: String, _ field: String) throws -> Date {
            do {
                return try RFC3339.parse(text).date
            } catch {
                throw Problem.badRequest("\(field) must be an RFC 3339 time such as 2026-01-02T03:04:05Z: \(error.reason)", field: field)
            }
        }
        from = try time(wire.from, "from")
        to = try time(wire.to, "to")
        max = wire.max ?? BackfillPlan.defaultMax
        dryRun = wire.dryRun ?? false
    }
}
