import Hummingbird
import KJobMetrics

/// Counts every answered request by status class in `kjob_http_requests_total`; errors thrown
/// past it are counted with the status they will be answered with.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let metrics: KJobMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.httpResponse(status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            metrics.httpResponse(status: error.status.code)
            throw error
        } catch {
            metrics.httpResponse(status: 500)
            throw error
        }
    }
}
