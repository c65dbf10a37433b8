import Foundation
import KJobCore

/// How the CLI reads the API's JSON (RFC 3339 times with or without milliseconds).
public enum APIDecoding {
    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = parseTimestamp(text) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
        }
        return decoder
    }()

    /// KJobCore's parser first: a listing holds tens of thousands of times, and Foundation's
    /// style is the slow part of decoding it.
    public static func parseTimestamp(_ text: String) -> Date? {
        (try? RFC3339.parse(text))?.date
            ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
