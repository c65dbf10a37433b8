import Foundation

/// What the connection does in reply.
enum SinkAction: Sendable {
    case respond(status: Int, headers: [(String, String)], body: Data)
    /// Hold the request, then drop the connection unanswered.
    case hang(seconds: Double)
    /// Drop the connection unanswered now.
    case close

    static func json(_ status: Int, _ object: some Encodable, extraHeaders: [(String, String)] = []) -> SinkAction {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(object)) ?? Data("{}".utf8)
        return .respond(status: status, headers: [("content-type", "application/json")] + extraHeaders, body: body)
    }

    static func problem(_ status: Int, _ detail: String) -> SinkAction {
        json(status, ["status": "\(status)", "detail": detail])
    }
}
