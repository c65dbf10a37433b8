import KJobCore
import Logging
import NIOCore
import PostgresNIO

/// Opens kjobd's dedicated connections on the writable primary, the way libpq's
/// `target_session_attrs=read-write` does: each host of the URL in turn (the last known primary
/// first), skipping one that is unreachable, in recovery or read-only, and, per
/// ``ReplicationRequirement``, one that does not replicate synchronously. A URL with one host and
/// no requirement connects directly, as before.
public struct PrimaryConnector: Sendable {
    public var url: PostgresURL
    public var requirement: ReplicationRequirement
    /// Bound of each host's connect and probe.
    public var connectTimeout: Duration
    public var tracker: PrimaryTracker

    /// `requirement` nil: ``ReplicationRequirement/byDefault(hostCount:)``.
    public init(
        url: PostgresURL, requirement: ReplicationRequirement? = nil, connectTimeout: Duration = .seconds(5),
        tracker: PrimaryTracker? = nil
    ) {
        self.url = url
        self.requirement = requirement ?? .byDefault(hostCount: url.hosts.count)
        self.connectTimeout = connectTimeout
        self.tracker = tracker ?? PrimaryTracker(logger: Logger(label: "kjob.postgres"))
    }

    /// Whether connections probe the server before using it.
    public var probes: Bool { url.selectsPrimary || requirement != .off }

    /// A connection on the writable primary; throws ``PrimaryUnavailableError`` when no host qualifies.
    public func connect(
        _ kind: PostgresConnectionKind, applicationName: String, startupParameters: [(String, String)] = [],
        logger: Logger
    ) async throws -> PostgresConnection {
        try await connect(kind as PostgresConnectionKind?, applicationName: applicationName, startupParameters: startupParameters, logger: logger)
    }

    /// `kind` nil: a probe that is closed at once, not reported as a connect.
    private func connect(
        _ kind: PostgresConnectionKind?, applicationName: String, startupParameters: [(String, String)],
        logger: Logger
    ) async throws -> PostgresConnection {
        guard probes else {
            var configuration = try url.connectionConfiguration(applicationName: applicationName, startupParameters: startupParameters)
            configuration.options.connectTimeout = .milliseconds(max(connectTimeout.milliseconds, 100))
            let connection = try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 1...Int.max), logger: logger)
            if let kind { tracker.report(.connected(kind, host: url.hosts[0])) }
            return connection
        }
        var refusals: [(PostgresHost, PostgresHostRefusal, String)] = []
        for host in candidates() {
            try Task.checkCancellation()
            let connection: PostgresConnection
            let probe: PrimaryProbe
            do {
                var configuration = try url.only(host).connectionConfiguration(applicationName: applicationName, startupParameters: startupParameters)
                configuration.options.connectTimeout = .milliseconds(max(connectTimeout.milliseconds, 100))
                connection = try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 1...Int.max), logger: logger)
            } catch {
                if error is CancellationError { throw error }
                refusals.append(refuse(host, .unreachable, "\(error)"))
                continue
            }
            do {
                probe = try await Self.probe(connection, within: connectTimeout, logger: logger)
            } catch {
                try? await connection.close()
                if Task.isCancelled { throw CancellationError() }
                refusals.append(refuse(host, .unreachable, "the probe query failed: \(error)"))
                continue
            }
            switch probe.verdict(requirement: requirement) {
            case .skip(let reason, let detail):
                try? await connection.close()
                refusals.append(refuse(host, reason, detail))
                continue
            case .useWithWarning(let warning):
                logger.warning(
                    "using a Postgres primary kjob cannot fully trust (postgres.require_synchronous = \"warn\")",
                    metadata: ["host": "\(host)", "problem": "\(warning)"])
            case .use:
                break
            }
            tracker.found(host)
            if let kind { tracker.report(.connected(kind, host: host)) }
            return connection
        }
        throw PrimaryUnavailableError(refusals: refusals.map { .init(host: $0.0, reason: $0.1, detail: $0.2) })
    }

    /// Finds the writable primary and closes the connection that found it (for ``PrimaryRouter``).
    func locate(logger: Logger) async throws -> PostgresHost {
        if let known = tracker.current.value { return known }
        let connection = try await connect(nil, applicationName: "kjobd-probe", startupParameters: [], logger: logger)
        try? await connection.close()
        guard let host = tracker.current.value else { throw PrimaryUnavailableError(refusals: []) }
        return host
    }

    /// The URL's hosts, the last known primary first.
    private func candidates() -> [PostgresHost] {
        guard let known = tracker.current.value, let index = url.hosts.firstIndex(of: known) else { return url.hosts }
        var hosts = url.hosts
        hosts.remove(at: index)
        return [known] + hosts
    }

    private func refuse(_ host: PostgresHost, _ reason: PostgresHostRefusal, _ detail: String) -> (PostgresHost, PostgresHostRefusal, String) {
        tracker.forget(host)
        tracker.report(.refused(host: host, reason: reason, detail: detail))
        return (host, reason, detail)
    }

    /// One query; the connection is closed when `timeout` passes first (a hung server), or on cancellation.
    static func probe(_ connection: PostgresConnection, within timeout: Duration, logger: Logger) async throws -> PrimaryProbe {
        try await withThrowingTaskGroup(of: PrimaryProbe?.self) { group in
            group.addTask {
                let query: PostgresQuery = """
                    SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on',
                           current_setting('synchronous_standby_names'), current_setting('synchronous_commit')
                    """
                guard let row = try await connection.queryIfOpen(query, logger: logger).first else {
                    throw PrimaryUnavailableError(refusals: [])
                }
                let (recovery, readOnly, names, commit) = try row.decode((Bool, Bool, String, String).self)
                return PrimaryProbe(
                    inRecovery: recovery, transactionReadOnly: readOnly,
                    synchronousStandbyNames: names, synchronousCommit: commit)
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            let first = try await withTaskCancellationHandler {
                try await group.next()
            } onCancel: {
                connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
            }
            guard let first, let probe = first else {
                connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
                throw DatabaseDeadlineError(operation: "the primary probe", deadline: timeout)
            }
            return probe
        }
    }
}
