import ArgumentParser
import Foundation
import KJobClient

/// `kjob status`: who holds the lease, the epoch, the nodes, heartbeat age and clock skew.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the active node, epoch, standby, heartbeat age and clock skew.",
        discussion: """
            Warns when a node's clock is more than 500 ms off the database's.
            Examples:
              kjob status --server http://s.sched-1:7070,http://s.sched-2:7070
              kjob status --json
            """)

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.GET, "/v1/cluster")
            if client.json {
                Output.json(response.json ?? [String: Any]())
                return
            }
            let cluster = try response.decode(ClusterStatus.self)
            let now = cluster.now ?? Date()
            var out = "answered by: \(response.server)\n"
            if let node = cluster.leader.node {
                out += "active:      \(node)  epoch \(cluster.leader.epoch)  since \(RelativeTime.describe(cluster.leader.since, now: now))"
                out += "  heartbeat \(RelativeTime.milliseconds(cluster.leader.heartbeatAgeMs)) ago\n"
            } else {
                out += "active:      none (epoch \(cluster.leader.epoch)); no node holds the lease\n"
            }
            var table = TextTable(["NODE", "ROLE", "URL", "LAST SEEN", "CLOCK SKEW", "VERSION"])
            var warnings: [String] = []
            for node in cluster.nodes {
                table.add([
                    node.id, node.role, node.httpURL ?? "-", RelativeTime.describe(node.lastSeen, now: now), RelativeTime.milliseconds(node.clockSkewMs),
                    node.version ?? "-"
                ])
                if let skew = node.clockSkewMs, abs(skew) > 500 {
                    warnings.append("warning: \(node.id)'s clock is \(skew) ms off the database's (more than 500 ms)")
                }
            }
            out += cluster.nodes.isEmpty ? "no nodes have reported\n" : table.rendered
            out += warnings.map { $0 + "\n" }.joined()
            Output.write(out)
        }
    }
}
