import Foundation
import KJobCore

/// Everything `kjobd` reads from its TOML file (DESIGN §10), defaults included.
///
/// Every key may be overridden by `KJOBD_<SECTION>_<KEY>` (e.g. `KJOBD_LEASE_TIMEOUT=3s`);
/// agents by `KJOBD_AGENTS_<NAME>_COMMAND='["cmd", "{prompt}"]'`. Unknown keys are errors.
public struct DaemonConfig: Sendable, Hashable {
    public var node = NodeConfig()
    public var postgres = PostgresSection()
    public var lease = LeaseConfig()
    public var http = HTTPConfig()
    public var executor = ExecutorConfig()
    /// Agent command templates by name (`[agents.<name>]`).
    public var agents: [String: AgentConfig] = [:]
    public var relay = RelayConfig()
    public var retention = RetentionConfig()
    public var dispatch = DispatchConfig()
    /// The file as read, for sections other modules parse themselves (`[sandbox]`).
    public var sourceTOML: String = ""

    public init() {}

    public struct NodeConfig: Sendable, Hashable {
        /// This node's name in the cluster view; defaults to the host name.
        public var id: String = ProcessInfo.processInfo.hostName
        public init() {}
    }

    public struct PostgresSection: Sendable, Hashable {
        /// `postgres://user:password@host:port/db`; `?host=/dir` for a unix socket, `sslmode=`.
        public var url: String = "postgres://kjob@127.0.0.1:5432/kjob"
        /// Connections in the pool of the leader's work and the node heartbeat (the lock session
        /// and the LISTEN connection are separate).
        public var poolSize: Int = 8
        /// Connections in the HTTP API's own pool, so API load (followed logs, token lookups) can
        /// never hold up the leader's claims and finishes.
        public var apiPoolSize: Int = 4
        /// Advisory lock key shared by the pair.
        public var lockKey: Int64 = 727_465
        /// Schema holding kjob's tables; separate schemas keep separate clusters (and tests) apart.
        public var schema: String = "kjob"
        public init() {}
    }

    public struct LeaseConfig: Sendable, Hashable {
        /// Heartbeat interval of the active node.
        public var heartbeat: Duration = .seconds(1)
        /// The active demotes itself when no heartbeat succeeded for this long.
        public var timeout: Duration = .seconds(4)
        /// Postgres drops a dead or frozen holder's session (and lock) within this.
        public var serverRelease: Duration = .seconds(6)
        /// Standby's acquisition attempt interval (jittered ±20%).
        public var standbyPoll: Duration = .milliseconds(500)
        public init() {}
    }

    public struct HTTPConfig: Sendable, Hashable {
        public var listen: String = "127.0.0.1:7070"
        public var tlsCert: String = ""
        public var tlsKey: String = ""
        /// Base URL for log links in dispatches, and this node's URL in the cluster table.
        public var publicURL: String = ""
        /// `GET /v1/runs/{id}/log?follow=1` streams open at once on this node; more get 429.
        public var maxFollowStreams: Int = 32
        /// The web console's CSP `frame-ancestors`: who may embed it in a frame.
        public var frameAncestors: String = "'none'"
        /// A console session ends after this long without a request.
        public var sessionIdle: Duration = .seconds(30 * 60)
        public init() {}

        /// The URL clients reach this node's API at (recorded in `kjob.nodes.http_url` for
        /// `GET /v1/cluster` and `kjob status`): `public_url` when set, else built from `listen`,
        /// with `hostName` in place of a wildcard address and `boundPort` (the port the server
        /// actually bound, e.g. for `listen = "…:0"`) in place of the configured one.
        public func advertisedURL(hostName: String, boundPort: Int? = nil) -> String {
            if !publicURL.isEmpty { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
            let scheme = tlsCert.isEmpty ? "http" : "https"
            var hostPort = listen
            for wildcard in ["0.0.0.0:", "[::]:", ":::"] where hostPort.hasPrefix(wildcard) {
                hostPort = hostName + ":" + hostPort.dropFirst(wildcard.count)
            }
            if let boundPort, let colon = hostPort.lastIndex(of: ":") {
                hostPort = hostPort[..<colon] + ":\(boundPort)"
            }
            return "\(scheme)://\(hostPort)"
        }
    }

    public struct ExecutorConfig: Sendable, Hashable {
        /// Runs executed at once by the active node.
        public var maxParallel: Int = 16
        /// Each run's log file goes to `<log_dir>/<job>/<run-id>.log`; "" writes no files.
        public var logDir: String = "/var/log/kjob"
        /// Output kept per run; the rest is counted and dropped behind a truncation marker.
        public var maxLogBytes: Int64 = 10 << 20
        /// Time between SIGTERM and SIGKILL when a run is killed.
        public var killGrace: Duration = .seconds(5)
        /// Unprivileged user for children when kjobd runs as root; "" keeps kjobd's user, which a
        /// root kjobd refuses unless `allowRootJobs` (see `checkJobUser`). Ignored when not root.
        public var runAs: String = ""
        /// The explicit opt-in for running jobs as root (a root kjobd with `run_as = ""`).
        public var allowRootJobs: Bool = false
        /// Parent of the fresh per-run working directories; nil: `/var/lib/kjob/work`.
        public var workDir: String?
        public init() {}
    }

    public struct AgentConfig: Sendable, Hashable {
        /// argv template; `{prompt}` is replaced by the job's prompt.
        public var command: [String]
        public init(command: [String]) { self.command = command }
    }

    public struct RelayConfig: Sendable, Hashable {
        public var url: String = ""
        public var caFile: String = ""
        public var clientCert: String = ""
        public var clientKey: String = ""
        public var tokenFile: String = ""
        public var signingSecretFile: String = ""
        public var timeout: Duration = .seconds(10)
        /// A dispatch still failing after this long becomes `dead`.
        public var maxAge: Duration = .seconds(24 * 3600)
        public init() {}
    }

    public struct RetentionConfig: Sendable, Hashable {
        /// Runs kept per job at least.
        public var keepRuns: Int = 100
        /// Older runs beyond `keep_runs` are deleted.
        public var maxAge: Duration = .seconds(30 * 86_400)
        /// Time between retention passes on the active node; the first runs at activation.
        public var interval: Duration = .seconds(300)
        /// Audit entries older than this are deleted (by the same passes); the audit outlives jobs and runs.
        public var audit: Duration = .seconds(365 * 86_400)
        public init() {}
    }

    public struct DispatchConfig: Sendable, Hashable {
        /// Due dispatches one dispatcher pass claims and posts at once.
        public var batchSize: Int = 8
        public init() {}
    }
}
