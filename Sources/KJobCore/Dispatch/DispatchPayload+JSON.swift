import Foundation

extension DispatchPayload {
    /// The exact bytes sent (and signed): sorted keys, unescaped slashes, dates as
    /// ISO 8601 UTC with milliseconds (`2026-11-22T09:00:00.000Z`).
    public func jsonData() throws -> Data {
        try Self.makeJSONEncoder().encode(self)
    }

    public static func decode(fromJSON data: Data) throws -> DispatchPayload {
        try makeJSONDecoder().decode(DispatchPayload.self, from: data)
    }

    /// An encoder with the dispatch date format, for types that embed a payload.
    public static func makeJSONEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(timestampStyle))
        }
        return encoder
    }

    public static func makeJSONDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? timestampStyle.parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected an ISO 8601 UTC timestamp, got \(text)")
        }
        return decoder
    }

    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
}
