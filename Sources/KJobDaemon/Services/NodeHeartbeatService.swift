import Foundation
import KJobCore
import KJobStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps this node's row in `kjob.nodes` fresh: role, epoch, last_seen, clock skew, API URL. Writes at
/// once when the role changes, else every `interval`; marks the node `stopped` on shutdown.
public struct NodeHeartbeatService: Service {
    public let client: PostgresClient
    public let names: StoreNames
    public let nodeID: String
    public let version: String
    public let interval: Duration
    public let leadership: Leadership
    public let clock: DatabaseClock
    public let lockBackendPID: @Sendable () -> Int32?
    /// Where this node's API answers (`DaemonConfig.HTTPConfig.advertisedURL`), for `kjob status`;
    /// read at every write, so the port bound after start-up is picked up.
    public let httpURL: @Sendable () -> String?
    private let logger: Logger

    public init(
        client: PostgresClient, names: StoreNames, nodeID: String, version: String, interval: Duration,
        leadership: Leadership, clock: DatabaseClock, lockBackendPID: @escaping @Sendable () -> Int32?,
        httpURL: @escaping @Sendable () -> String? = { nil }, logger: Logger
    ) {
        self.client = client
        self.names = names
        self.nodeID = nodeID
        self.version = version
        self.interval = interval
        self.leadership = leadership
        self.clock = clock
        self.lockBackendPID = lockBackendPID
        self.httpURL = httpURL
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let (state, version) = leadership.state.snapshot
                await write(role: state.role.epoch == nil ? "standby" : "active", epoch: state.role.epoch)
                await leadership.state.waitForChange(after: version, until: .now.advanced(by: interval))
            }
        }
        await write(role: "stopped", epoch: nil)
    }

    func write(role: String, epoch: Int64?) async {
        let pid = Int32(ProcessInfo.processInfo.processIdentifier)
        let skew = clock.measuredOffsetMilliseconds
        let backend = lockBackendPID()
        let url = httpURL()
        do {
            try await client.query(
                """
                INSERT INTO \(unescaped: names.schema).nodes (id, role, epoch, last_seen, clock_skew_ms, version, pid, lock_backend_pid, http_url, started_at)
                VALUES (\(nodeID), \(role), \(epoch), now(), \(skew), \(version), \(pid), \(backend), \(url), now())
                ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, epoch = EXCLUDED.epoch, last_seen = EXCLUDED.last_seen,
                    clock_skew_ms = EXCLUDED.clock_skew_ms, version = EXCLUDED.version, pid = EXCLUDED.pid,
                    lock_backend_pid = EXCLUDED.lock_backend_pid, http_url = EXCLUDED.http_url,
                    started_at = CASE WHEN \(unescaped: names.schema).nodes.pid IS DISTINCT FROM EXCLUDED.pid THEN EXCLUDED.started_at ELSE \(unescaped: names.schema).nodes.started_at END
                """, logger: logger)
        } catch {
            logger.warning("cannot update the nodes table", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
