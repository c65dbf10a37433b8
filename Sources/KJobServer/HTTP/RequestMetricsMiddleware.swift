import Hummingbird
import NIOConcurrencyHelpers

/// Request counters for `/metrics`, by status class; a hand-rolled exposition (see README).
final class RequestMetrics: Sendable {
    private let counts = NIOLockedValueBox<[String: Int]>([:])

    func record(status: Int) {
        let key = "\(status / 100)xx"
        counts.withLockedValue { $0[key, default: 0] += 1 }
    }

    var snapshot: [String: Int] { counts.withLockedValue { $0 } }
}

struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        metrics.record(status: response.status.code)
        return response
    }
}
