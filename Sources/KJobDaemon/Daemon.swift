import Foundation
import KJobCore
import KJobMetrics
import KJobSandbox
import KJobStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// The composition root of `kjobd`: builds the services from a ``DaemonConfig`` and runs them.
public struct Daemon: Sendable {
    public static let version = "0.1.0"

    public let config: DaemonConfig
    public let logger: Logger
    /// Test knob: the materializer's tuning (the misfire threshold mostly).
    public var materializer = Materializer.Configuration()
    /// Test knob: the executor's tuning (`max_parallel`, `kill_grace` and the database deadline come from the config).
    public var executor = RunExecutor.Configuration()
    /// Test knob: the dispatcher's poll and backoff (`batch_size` and `max_age` come from the config).
    public var dispatcher = Dispatcher.Configuration()
    /// Test knob: how often the active counts queued runs and pending dispatches for `/metrics`.
    public var backlogInterval: Duration = .seconds(5)

    public init(config: DaemonConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    var names: StoreNames { StoreNames(schema: config.postgres.schema) }

    func url() throws -> PostgresURL {
        do { return try PostgresURL(parsing: config.postgres.url) } catch {
            throw DaemonConfigError(location: "postgres.url", message: error.description)
        }
    }

    /// Where every dedicated connection goes: the URL's host, or its writable primary (checked per
    /// `postgres.require_synchronous`). One `tracker` per node, so all its connections follow the primary together.
    func connector(tracker: PrimaryTracker? = nil) throws -> PrimaryConnector {
        PrimaryConnector(
            url: try url(), requirement: config.postgres.requireSynchronous,
            tracker: tracker ?? PrimaryTracker(logger: logger))
    }

    /// `kjobd migrate`: applies pending migrations on a dedicated connection.
    @discardableResult
    public func migrate(connector: PrimaryConnector? = nil) async throws -> [Int] {
        let connector = try connector ?? self.connector()
        let connection = try await connector.connect(.migrate, applicationName: "kjobd-migrate:\(config.node.id)", logger: logger)
        do {
            let applied = try await Migrator(names: names).migrate(on: connection, logger: logger)
            try await connection.close()
            return applied
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Migrates, retrying while Postgres is not reachable yet (bounded by `attempts`). A primary
    /// refused for asynchronous replication while every host answered is a setup to fix: no retry.
    func migrateAtStart(connector: PrimaryConnector, attempts: Int = 20) async throws {
        var attempt = 1
        while true {
            do {
                try await migrate(connector: connector)
                return
            } catch let error as MigrationError {
                throw error
            } catch let error as PrimaryUnavailableError where error.isAsynchronousPrimary {
                throw DaemonConfigError(location: "postgres.require_synchronous", message: "refusing to start: \(error)")
            } catch {
                guard attempt < attempts else { throw error }
                logger.warning("migration failed; retrying", metadata: ["attempt": "\(attempt)", "error": "\(String(reflecting: error))"])
                attempt += 1
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// The pool the lease-holder's work and the node heartbeat use; `relay`: a ``PrimaryRouter``'s address.
    func leaderPoolConfiguration(relay: PostgresHost? = nil) throws -> PostgresClient.Configuration {
        try url().clientConfiguration(
            poolSize: config.postgres.poolSize, applicationName: "kjobd:\(config.node.id)",
            startupParameters: config.lease.connectionParameters, relay: relay)
    }

    /// The HTTP API's own pool: API load never takes the connections claims and finishes need.
    func apiPoolConfiguration(relay: PostgresHost? = nil) throws -> PostgresClient.Configuration {
        try url().clientConfiguration(
            poolSize: config.postgres.apiPoolSize, applicationName: "kjobd-api:\(config.node.id)",
            startupParameters: config.lease.connectionParameters, relay: relay)
    }

    /// `kjobd run`: migrate, then lease + node heartbeat + leader work in one ServiceGroup until SIGTERM/SIGINT.
    public func run() async throws {
        try config.checkJobUser(effectiveUID: geteuid())
        let url = try url()
        let names = self.names
        let metrics = KJobMetrics(nodeID: config.node.id, version: Self.version)
        let connector = try connector(tracker: PrimaryTracker(logger: logger) { metrics.postgres($0) })
        try await migrateAtStart(connector: connector)
        // PostgresNIO's pools dial one address: with several hosts they go through a relay that follows the primary.
        let router = url.selectsPrimary ? try await PrimaryRouter.bind(connector: connector, logger: logger) : nil
        let client = PostgresClient(configuration: try leaderPoolConfiguration(relay: router?.endpoint), backgroundLogger: logger)
        let apiClient = PostgresClient(configuration: try apiPoolConfiguration(relay: router?.endpoint), backgroundLogger: logger)
        let leadership = Leadership()
        let clock = DatabaseClock()
        let lease = LeaseService(
            configuration: .init(
                connector: connector, names: names,
                session: .init(
                    lockKey: config.postgres.lockKey, nodeID: config.node.id,
                    serverRelease: config.lease.serverRelease, connectTimeout: config.lease.timeout,
                    fenceWait: config.lease.fenceWait),
                machine: .init(
                    heartbeat: config.lease.heartbeat, timeout: config.lease.timeout,
                    standbyPoll: config.lease.standbyPoll, reconnectDelay: config.lease.standbyPoll)),
            leadership: leadership, clock: clock, metrics: metrics, logger: logger)
        let advertisedURL = Observed(config.http.advertisedURL(hostName: config.node.id))
        let nodes = NodeHeartbeatService(
            client: client, names: names, nodeID: config.node.id, version: Self.version, interval: config.lease.heartbeat,
            leadership: leadership, clock: clock, lockBackendPID: { lease.session?.backendPID },
            httpURL: { advertisedURL.value }, logger: logger)
        let materializer = Materializer(
            client: client, names: names, nodeID: config.node.id, configuration: materializer,
            now: { clock.now() }, logger: logger)
        let jobsChanged = Observed<UInt64>(0)
        let runsChanged = Observed<UInt64>(0)
        let cancelsRequested = Observed<UInt64>(0)
        let dispatchesChanged = Observed<UInt64>(0)
        let executor = try makeExecutor(client: client, names: names, wake: runsChanged, cancels: cancelsRequested, now: { clock.now() }, metrics: metrics)
        let dispatcher = try await makeDispatcher(client: client, names: names, wake: dispatchesChanged, now: { clock.now() }, metrics: metrics)
        let listener = NotificationListener(
            connector: connector, channels: [names.jobsChannel, names.runsChannel, names.dispatchesChannel],
            applicationName: "kjobd-listen:\(config.node.id)",
            startupParameters: config.lease.connectionParameters, logger: logger)
        var workers: [(name: String, run: LeaderWorkService.Worker)] = [
            (
                "listener",
                { _ in
                    await listener.run { channel, payload in
                        switch channel {
                        case names.runsChannel:
                            if payload.hasPrefix("cancel:") { cancelsRequested.update { $0 &+= 1 } }
                            runsChanged.update { $0 &+= 1 }
                        case names.dispatchesChannel: dispatchesChanged.update { $0 &+= 1 }
                        default: jobsChanged.update { $0 &+= 1 }
                        }
                    }
                }
            ),
            (
                "materializer",
                { epoch in
                    try await materializer.run(epoch: epoch, wake: jobsChanged) { metrics.runsEnded(.skipped, count: $0.skipped) }
                }
            ),
            ("executor", { epoch in try await executor.run(epoch: epoch) })
        ]
        if let dispatcher {
            workers.append(("dispatcher", { epoch in try await dispatcher.run(epoch: epoch) }))
        }
        let retention = makeRetention(client: client, names: names, now: { clock.now() })
        workers.append(("retention", { epoch in try await retention.run(epoch: epoch) }))
        let backlog = BacklogSampler(
            cluster: ClusterRepository(client: client, names: names, logger: logger), metrics: metrics,
            interval: backlogInterval, logger: logger)
        workers.append(("backlog", { epoch in try await backlog.run(epoch: epoch) }))
        let work = LeaderWorkService(leadership: leadership, workers: workers, logger: logger)
        let http = config.http
        let nodeID = config.node.id
        let api = try apiService(client: apiClient, metrics: metrics) { channel in
            if let port = channel.localAddress?.port { advertisedURL.set(http.advertisedURL(hostName: nodeID, boundPort: port)) }
        }

        // The relay goes first, so it shuts down after the pools that use it.
        let relay: [ServiceGroupConfiguration.ServiceConfiguration] = router.map { [.init(service: $0)] } ?? []
        var configuration = ServiceGroupConfiguration(
            services: relay + [
                .init(service: client),
                .init(service: apiClient),
                .init(service: lease),
                .init(service: nodes),
                .init(service: work),
                .init(service: api)
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(15)
        logger.notice(
            "kjobd starting",
            metadata: [
                "node": "\(config.node.id)", "postgres": "\(url.redacted)", "schema": "\(names.schema)",
                "require_synchronous": "\(connector.requirement.rawValue)",
                "lock_key": "\(config.postgres.lockKey)",
                "heartbeat": "\(DurationText.format(config.lease.heartbeat))", "timeout": "\(DurationText.format(config.lease.timeout))",
                "server_release": "\(DurationText.format(config.lease.serverRelease))"
            ])
        try await ServiceGroup(configuration: configuration).run()
        logger.notice("kjobd stopped")
    }
}
