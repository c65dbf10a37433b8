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

    /// The API's own shape first, then KJobCore's parser: a listing holds tens of thousands of
    /// times, and Foundation's style was the slow part of decoding it.
    public static func parseTimestamp(_ text: String) -> Date? {
        RFC3339.parseUTCMilliseconds(text)
            ?? (try? RFC3339.parse(text))?.date
            ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
