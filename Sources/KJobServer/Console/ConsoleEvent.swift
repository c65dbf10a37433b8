import Foundation

/// One Server-Sent Event of the console's protocol: its data is a JSON object telling the page's
/// script to replace or append to an element, or that the stream has ended.
struct ConsoleEvent: Sendable, Hashable, Encodable {
    var replace: String?
    var append: String?
    var html: String?
    var end: Bool?
    /// Sent as the event's `id:`: the browser sends the last one back in `Last-Event-ID` when it
    /// reconnects, so a stream resumes where it was (the run log's cursor).
    var id: String?

    enum CodingKeys: String, CodingKey {
        case replace, append, html, end
    }

    static func replace(_ id: String, _ html: HTML) -> ConsoleEvent {
        ConsoleEvent(replace: id, html: html.text)
    }

    static func append(_ id: String, _ html: HTML) -> ConsoleEvent {
        ConsoleEvent(append: id, html: html.text)
    }

    static let end = ConsoleEvent(end: true)

    /// `data: {...}\n\n`; JSON escapes line breaks, so one `data:` line always carries it.
    var wireText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return (id.map { "id: \($0)\n" } ?? "") + "data: \(json)\n\n"
    }
}
