import Foundation
import NIOHTTP1

/// A complete request as the sink sees it.
struct SinkRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var headers: HTTPHeaders
    var body: Data
}
