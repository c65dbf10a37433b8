import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Reads a console `text/event-stream` as a browser's EventSource does: each event's `data` JSON
/// and `id`.
struct ConsoleEventReader {
    struct Event {
        var id: String?
        var json: [String: Any]
        var replace: String? { json["replace"] as? String }
        var append: String? { json["append"] as? String }
        var html: String { json["html"] as? String ?? "" }
        var end: Bool { json["end"] as? Bool == true }
    }

    var body: HTTPClientResponse.Body.AsyncIterator
    var buffer = ""
    var ended = false

    init(_ response: HTTPClientResponse) {
        body = response.body.makeAsyncIterator()
    }

    /// The next event, or nil when the stream is over.
    mutating func next() async throws -> Event? {
        while true {
            if let range = buffer.range(of: "\n\n") {
                let block = String(buffer[..<range.lowerBound])
                buffer = String(buffer[range.upperBound...])
                var id: String?
                var data: String?
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                }
                guard let data else { continue }  // retry: and comments
                let json = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
                return Event(id: id, json: json)
            }
            guard !ended, let chunk = try await body.next() else {
                ended = true
                return nil
            }
            buffer += String(buffer: chunk)
        }
    }

    /// Events until `condition` holds for one (returned with the ones before it), bounded by `timeout`.
    mutating func until(timeout: Duration, _ condition: (Event) -> Bool) async throws -> [Event] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var seen: [Event] = []
        while ContinuousClock.now < deadline {
            guard let event = try await next() else { break }
            seen.append(event)
            if condition(event) { return seen }
        }
        Issue.record("no matching event within \(timeout); got \(seen.map(\.json))")
        return seen
    }
}
