import Foundation

/// The lease and the nodes as `GET /v1/cluster` shows them. Ages are measured by the database clock.
public struct ClusterView: Sendable, Hashable {
    public struct Leader: Sendable, Hashable {
        public var node: String?
        public var epoch: Int64
        public var since: Date?
        public var heartbeatAgeMs: Int64?
    }

    public struct Node: Sendable, Hashable {
        public var id: String
        /// As the node last wrote it: starting, standby, active or stopped.
        public var reportedRole: String
        public var epoch: Int64?
        public var lastSeen: Date
        public var lastSeenAgeMs: Int64
        public var clockSkewMs: Int64?
        public var version: String
        public var httpURL: String?
        public var startedAt: Date
    }

    public var leader: Leader
    public var nodes: [Node]
    public var databaseNow: Date

    /// The node's role as operators read it: `down` when it stopped or went quiet for more than
    /// `downAfterMs`, `active` for the lease holder with a fresh heartbeat, else `standby`.
    public func role(of node: Node, downAfterMs: Int64) -> String {
        if node.reportedRole == "stopped" || node.lastSeenAgeMs > downAfterMs { return "down" }
        if node.id == leader.node, (leader.heartbeatAgeMs ?? .max) <= downAfterMs { return "active" }
        return "standby"
    }
}
