import Foundation
import Hummingbird
import KJobMetrics
import KJobStore

/// `/v1/cluster` and the unauthenticated `/healthz`, `/readyz`, `/metrics`, `/v1/openapi.yaml`.
struct SystemRoutes: Sendable {
    let dependencies: APIDependencies
    let configuration: APIConfiguration
    let metrics: KJobMetrics

    func addPublic(to router: Router<APIRequestContext>) {
        router.get("healthz") { _, _ in
            APIJSON.text("{\"status\":\"ok\",\"node\":\(Self.quoted(configuration.nodeID))}\n", contentType: "application/json")
        }
        router.get("readyz") { _, context in
            do {
                try await Self.bounded(configuration.readyTimeout) { try await dependencies.cluster.ping() }
            } catch {
                context.logger.warning("readyz: database unreachable", metadata: ["error": "\(String(reflecting: error))"])
                throw Problem.unavailable("the database is not reachable from node \(configuration.nodeID)")
            }
            return APIJSON.text("{\"status\":\"ready\",\"node\":\(Self.quoted(configuration.nodeID))}\n", contentType: "application/json")
        }
        router.get("metrics") { _, _ in
            APIJSON.text(metrics.render(), contentType: KJobMetrics.contentType)
        }
        router.get("v1/openapi.yaml") { _, _ in
            APIJSON.text(OpenAPIDocument.yaml, contentType: "application/yaml")
        }
    }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("cluster") { _, context in
            _ = try context.require(.viewer)
            let view = try await dependencies.cluster.view()
            return try APIJSON.response(ClusterBody(view, downAfter: configuration.nodeDownAfter))
        }
    }

    /// Runs `body`, giving up after `limit`: a probe must answer even when the pool cannot connect.
    static func bounded(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await body()
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            defer { group.cancelAll() }
            guard try await group.next() == true else { throw CancellationError() }
        }
    }

    static func quoted(_ text: String) -> String {
        (try? String(decoding: JSONEncoder().encode(text), as: UTF8.self)) ?? "\"\""
    }
}
