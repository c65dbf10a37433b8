import Foundation

/// Reads a "kjob-log v1" file (see `FileLogSink`) back into chunks, byte-exact.
public enum LogFileReader {
    public static func read(path: String) throws -> [LogChunk] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LogFileError(path: path, reason: "cannot read")
        }
        return try parse([UInt8](data), path: path)
    }

    public static func parse(_ bytes: [UInt8], path: String = "<memory>") throws -> [LogChunk] {
        var chunks: [LogChunk] = []
        var index = 0
        while index < bytes.count {
            guard let newline = bytes[index...].firstIndex(of: 0x0A) else {
                throw LogFileError(path: path, reason: "header without newline at byte \(index)")
            }
            let header = String(decoding: bytes[index..<newline], as: UTF8.self)
            var fields: [String: String] = [:]
            let parts = header.split(separator: " ")
            guard parts.first == "@kjob" else { throw LogFileError(path: path, reason: "bad header at byte \(index)") }
            for part in parts.dropFirst() {
                let pair = part.split(separator: "=", maxSplits: 1)
                if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
            }
            guard let seq = fields["seq"].flatMap({ Int64($0) }),
                let stream = fields["stream"].flatMap({ LogStream(rawValue: $0) }),
                let length = fields["len"].flatMap({ Int($0) }),
                let atText = fields["at"],
                let at = parseDate(atText)
            else { throw LogFileError(path: path, reason: "bad header \"\(header)\"") }
            let start = newline + 1
            guard length >= 0, start + length < bytes.count, bytes[start + length] == 0x0A
            else { throw LogFileError(path: path, reason: "chunk \(seq) is cut short") }
            chunks.append(LogChunk(seq: seq, stream: stream, bytes: Array(bytes[start..<(start + length)]), at: at))
            index = start + length + 1
        }
        return chunks
    }

    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}
