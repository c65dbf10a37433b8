import Foundation
import Logging
import PostgresNIO

/// Reads the leader row and the node table.
public struct ClusterRepository: StoreRepository {
    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    public func view() async throws -> ClusterView {
        let schema = names.schema
        var leader = ClusterView.Leader(node: nil, epoch: 0, since: nil, heartbeatAgeMs: nil)
        var now = Date()
        for try await (epoch, holder, since, age, dbNow) in try await client.query(
            """
            SELECT epoch, holder, since, (extract(epoch FROM clock_timestamp() - heartbeat_at) * 1000)::bigint, clock_timestamp()
              FROM \(unescaped: schema).leader WHERE id = 1
            """, logger: logger
        ).decode((Int64, String?, Date?, Int64?, Date).self) {
            leader = ClusterView.Leader(node: holder, epoch: epoch, since: since, heartbeatAgeMs: age)
            now = dbNow
        }
        var nodes: [ClusterView.Node] = []
        for try await (id, role, epoch, lastSeen, age, skew, version, url, started) in try await client.query(
            """
            SELECT id, role, epoch, last_seen, (extract(epoch FROM clock_timestamp() - last_seen) * 1000)::bigint,
                   clock_skew_ms, version, http_url, started_at
              FROM \(unescaped: schema).nodes ORDER BY id
            """, logger: logger
        ).decode((String, String, Int64?, Date, Int64, Int64?, String, String?, Date).self) {
            nodes.append(
                ClusterView.Node(
                    id: id, reportedRole: role, epoch: epoch, lastSeen: lastSeen, lastSeenAgeMs: age,
                    clockSkewMs: skew, version: version, httpURL: url, startedAt: started))
        }
        return ClusterView(leader: leader, nodes: nodes, databaseNow: now)
    }

    /// Queued runs and pending dispatches, for the backlog gauges (both counts use partial indexes).
    public func backlog() async throws -> (queuedRuns: Int64, pendingDispatches: Int64) {
        let schema = names.schema
        var counts: (Int64, Int64) = (0, 0)
        for try await row in try await client.query(
            """
            SELECT (SELECT count(*) FROM \(unescaped: schema).job_runs WHERE status = 'queued'),
                   (SELECT count(*) FROM \(unescaped: schema).dispatches WHERE status = 'pending')
            """, logger: logger
        ).decode((Int64, Int64).self) {
            counts = row
        }
        return counts
    }

    /// Cheap liveness query for /readyz.
    public func ping() async throws {
        try await client.query("SELECT 1", logger: logger)
    }
}
