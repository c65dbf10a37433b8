import Foundation
import KJobMetrics
import KJobStore
import Logging

/// Leader-only worker that counts queued runs and pending dispatches every `interval` for the
/// `kjob_queue_depth` and `kjob_dispatch_backlog` gauges: one cheap query, only on the active
/// (the standby exports 0, so a sum over both nodes is the cluster's backlog).
public struct BacklogSampler: Sendable {
    public let cluster: ClusterRepository
    public let metrics: KJobMetrics
    /// Time between counts; well under a typical 15 s scrape interval.
    public let interval: Duration
    private let logger: Logger

    public init(cluster: ClusterRepository, metrics: KJobMetrics, interval: Duration = .seconds(5), logger: Logger) {
        self.cluster = cluster
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
    }

    /// Counts until cancelled (demotion, shutdown); the gauges go back to 0 when it stops.
    public func run(epoch: Int64) async throws {
        defer { metrics.clearBacklog() }
        while !Task.isCancelled {
            do {
                let counts = try await cluster.backlog()
                metrics.backlog(queuedRuns: counts.queuedRuns, pendingDispatches: counts.pendingDispatches)
            } catch {
                if Task.isCancelled { return }
                logger.warning("cannot count the backlog for /metrics; retrying next interval", metadata: ["error": "\(String(reflecting: error))"])
            }
            try await Task.sleep(for: interval)
        }
    }
}
