import Foundation
import KJobCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The dedicated connection that holds the advisory lock (never a pooled one).
///
/// Its session settings make Postgres drop it within `serverRelease` when this process dies,
/// freezes or is cut off: `idle_session_timeout` (a frozen holder stops sending heartbeats, so
/// its session goes idle), `tcp_user_timeout` (unacknowledged data), and keepalives (a silent peer).
/// ``ServerRelease`` does the arithmetic.
public final class LockSession: Sendable {
    public struct Settings: Sendable, Hashable {
        public var lockKey: Int64
        public var nodeID: String
        public var serverRelease: Duration
        public var connectTimeout: Duration
        /// How long the epoch bump waits for fenced transactions in flight (`lock_timeout`) before
        /// the lock is given back and tried again at the next poll; well under the lease timeout,
        /// so an attempt never runs into its deadline.
        public var fenceWait: Duration

        public init(
            lockKey: Int64, nodeID: String, serverRelease: Duration, connectTimeout: Duration,
            fenceWait: Duration = .milliseconds(500)
        ) {
            self.lockKey = lockKey
            self.nodeID = nodeID
            self.serverRelease = serverRelease
            self.connectTimeout = connectTimeout
            self.fenceWait = fenceWait
        }

        /// `SET` values for the lock session. `lock_timeout` only ever bites on the epoch bump:
        /// the heartbeat's row lock (`FOR NO KEY UPDATE`) does not conflict with fencing's.
        public var sessionParameters: [(name: String, value: String)] {
            ServerRelease(serverRelease).lockSessionParameters + [("lock_timeout", "\(max(fenceWait.milliseconds, 1))")]
        }
    }

    public let settings: Settings
    public let names: StoreNames
    /// The backend this session was opened on; every later query must run on it.
    public let backendPID: Int32
    private let connection: Mutex<PostgresConnection>
    private let connector: PrimaryConnector
    private let logger: Logger

    private init(settings: Settings, names: StoreNames, backendPID: Int32, connection: PostgresConnection, connector: PrimaryConnector, logger: Logger) {
        self.settings = settings
        self.names = names
        self.backendPID = backendPID
        self.connection = Mutex(connection)
        self.connector = connector
        self.logger = logger
    }

    /// Connects (to the writable primary, when the URL names several hosts), applies the session
    /// settings, records the backend pid and LISTENs for release notifications (each one calls `onRelease`).
    public static func open(
        connector: PrimaryConnector, names: StoreNames, settings: Settings, logger: Logger,
        onRelease: @escaping @Sendable () -> Void
    ) async throws -> LockSession {
        let connection = try await connect(connector: connector, settings: settings, logger: logger)
        // Cancellation (the caller's connect deadline) closes the connection, which fails the
        // setup queries below instead of leaving them waiting on a hung server.
        return try await withTaskCancellationHandler {
            try await setUp(connection: connection, connector: connector, names: names, settings: settings, logger: logger, onRelease: onRelease)
        } onCancel: {
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    /// ``open(connector:names:settings:logger:onRelease:)`` on the URL's hosts, with defaults.
    public static func open(
        url: PostgresURL, names: StoreNames, settings: Settings, logger: Logger,
        onRelease: @escaping @Sendable () -> Void
    ) async throws -> LockSession {
        try await open(connector: PrimaryConnector(url: url), names: names, settings: settings, logger: logger, onRelease: onRelease)
    }

    private static func setUp(
        connection: PostgresConnection, connector: PrimaryConnector, names: StoreNames, settings: Settings, logger: Logger,
        onRelease: @escaping @Sendable () -> Void
    ) async throws -> LockSession {
        do {
            let pid = try await connection.queryIfOpen("SELECT pg_backend_pid()", logger: logger).first?.decode(Int32.self) ?? 0
            for (name, value) in settings.sessionParameters {
                _ = try await connection.queryIfOpen("SELECT set_config(\(name), \(value), false)", logger: logger)
            }
            try await connection.addListenersIfOpen(channels: [names.leaseChannel]) { _, _ in onRelease() }
            // addListener issues LISTEN asynchronously; a round trip makes sure it is in effect.
            _ = try await connection.queryIfOpen("SELECT 1", logger: logger)
            return LockSession(settings: settings, names: names, backendPID: pid, connection: connection, connector: connector, logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Each host gets its share of `connectTimeout`, so an unreachable first host leaves time for the next.
    static func connect(connector: PrimaryConnector, settings: Settings, logger: Logger) async throws -> PostgresConnection {
        var connector = connector
        connector.connectTimeout = settings.connectTimeout / max(connector.url.hosts.count, 1)
        return try await connector.connect(.lock, applicationName: "kjobd-lease:\(settings.nodeID)", logger: logger)
    }

    var current: PostgresConnection { connection.withLock { $0 } }

    /// Runs one query on the session's current connection; fails at once when it is closed.
    private func run(_ query: PostgresQuery) async throws -> PostgresQueryResult {
        try await current.queryIfOpen(query, logger: logger)
    }

    /// A time measurement taken alongside a query.
    public struct Timing: Sendable {
        public var sent: Date
        public var received: Date
        public var databaseTime: Date
    }

    /// `pg_try_advisory_lock` on this session's own backend; on success bumps the epoch.
    public func tryAcquire() async throws -> (LeaseAcquireResult, Timing) {
        let sent = Date()
        let query: PostgresQuery = """
            SELECT pg_backend_pid(),
                   CASE WHEN pg_backend_pid() = \(backendPID) THEN pg_try_advisory_lock(\(settings.lockKey)) END,
                   clock_timestamp()
            """
        let row = try await run(query).first?.decode((Int32, Bool?, Date).self)
        let received = Date()
        guard let (pid, got, databaseTime) = row else { throw LockSessionError(message: "the lock query returned no row") }
        let timing = Timing(sent: sent, received: received, databaseTime: databaseTime)
        guard pid == backendPID else {
            logger.error(
                "lock session backend pid changed; refusing leadership (is the session behind a pooler that swaps backends, or was it silently reconnected?)",
                metadata: ["expected_pid": "\(backendPID)", "actual_pid": "\(pid)"])
            return (.backendChanged, timing)
        }
        guard got == true else { return (.notAcquired, timing) }
        // The bump takes the leader row FOR UPDATE (the epoch is a key), so it waits for fenced
        // transactions in flight: every fenced write then lands wholly before the takeover, and any
        // begun after it sees the new epoch. One that a frozen or cut-off holder left open would
        // hold it until Postgres ends it (idle_in_transaction_session_timeout on kjobd's pools).
        // One statement, so the new epoch and its audit entry commit together.
        let bump: PostgresQuery = """
            WITH bumped AS (
                UPDATE \(unescaped: names.schema).leader
                   SET epoch = epoch + 1, holder = \(settings.nodeID), holder_pid = pg_backend_pid(),
                       since = now(), heartbeat_at = now()
                 WHERE id = 1
                RETURNING epoch, holder
            ), \(unescaped: AuditLog.leaseAcquired(schema: names.schema, source: "bumped"))
            SELECT epoch FROM bumped
            """
        do {
            guard let epoch = try await run(bump).first?.decode(Int64.self) else {
                throw LockSessionError(message: "\(names.schema).leader has no row; run `kjobd migrate`")
            }
            return (.acquired(epoch: epoch), timing)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == Self.lockNotAvailable {
            // lock_timeout: give the lock back rather than hold it while not active; the next poll
            // tries again, by when Postgres has ended the stale transaction.
            let holders = (try? await fencedTransactions()) ?? "unknown"
            logger.warning(
                "the epoch bump is blocked by fenced transactions still open (a frozen or cut-off previous holder?); releasing the lock and retrying at the next poll",
                metadata: ["waited": "\(DurationText.format(settings.fenceWait))", "transactions": "\(holders)"])
            _ = try await run("SELECT pg_advisory_unlock(\(settings.lockKey))")
            return (.notAcquired, timing)
        }
    }

    /// SQLSTATE of a `lock_timeout`.
    static let lockNotAvailable = "55P03"

    /// Other sessions' transactions holding the leader row (fenced ones take `FOR KEY SHARE`,
    /// which shows as a table lock), for the log line that says who blocks a takeover.
    private func fencedTransactions() async throws -> String {
        let query: PostgresQuery = """
            SELECT coalesce(string_agg(format('pid %s (%s, %s for %s)', a.pid, a.application_name, a.state,
                                              date_trunc('millisecond', clock_timestamp() - a.state_change)), '; '), 'none')
              FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'relation' AND l.relation = '\(unescaped: names.schema).leader'::regclass
               AND l.pid <> pg_backend_pid()
            """
        return try await run(query).first?.decode(String.self) ?? "none"
    }

    /// One query: proves via pg_locks that this backend holds the lock, checks the epoch is still
    /// ours, stamps `leader.heartbeat_at`, and reads the database clock.
    public func heartbeat(epoch: Int64) async throws -> (LeaseHeartbeatProof, Timing) {
        let sent = Date()
        let key = settings.lockKey
        let query: PostgresQuery = """
            WITH proof AS (
                SELECT pg_backend_pid() AS pid,
                       EXISTS (SELECT 1 FROM pg_locks
                                WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                                  AND classid = ((\(key)::bigint >> 32) & 4294967295)::oid
                                  AND objid = (\(key)::bigint & 4294967295)::oid
                                  AND objsubid = 1) AS held
            ), beat AS (
                UPDATE \(unescaped: names.schema).leader SET heartbeat_at = clock_timestamp()
                 WHERE id = 1 AND epoch = \(epoch)
                   AND (SELECT held FROM proof) AND (SELECT pid FROM proof) = \(backendPID)
                RETURNING epoch
            )
            SELECT proof.pid, proof.held, (SELECT count(*) FROM beat), clock_timestamp() FROM proof
            """
        let row = try await run(query).first?.decode((Int32, Bool, Int64, Date).self)
        let received = Date()
        guard let (pid, held, beats, databaseTime) = row else { throw LockSessionError(message: "the heartbeat query returned no row") }
        let timing = Timing(sent: sent, received: received, databaseTime: databaseTime)
        if pid != backendPID {
            logger.error(
                "lock session backend pid changed under the lease; refusing leadership (is the session behind a pooler that swaps backends, or was it silently reconnected?)",
                metadata: ["expected_pid": "\(backendPID)", "actual_pid": "\(pid)"])
            return (.backendChanged, timing)
        }
        return (held && beats == 1 ? .held : .notHeld, timing)
    }

    /// Graceful handover: unlock, then NOTIFY so the standby tries at once.
    public func release() async throws {
        _ = try await run("SELECT pg_advisory_unlock(\(settings.lockKey))")
        _ = try await run("SELECT pg_notify(\(names.leaseChannel), \(settings.nodeID))")
    }

    /// Closes the connection; queries in flight fail at once.
    public func close() {
        let connection = current
        // The callback keeps the connection alive until the channel is really closed.
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    public func closeGracefully() async {
        try? await current.close()
    }

    /// Test hook that simulates a pooler swapping the backend: the old backend is terminated and
    /// the session silently continues on a new connection (the recorded pid stays the old one).
    public func swapBackendForTesting() async throws {
        let replacement = try await Self.connect(connector: connector, settings: settings, logger: logger)
        let old = connection.withLock { connection in
            let old = connection
            connection = replacement
            return old
        }
        _ = try await replacement.queryIfOpen("SELECT pg_terminate_backend(\(backendPID))", logger: logger)
        try? await old.close()
    }
}

/// The lock session answered something it never should.
public struct LockSessionError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
