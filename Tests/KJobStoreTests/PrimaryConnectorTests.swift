import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import Logging
import PostgresNIO
import Synchronization
import Testing

/// Host selection against real servers: scripts/test's writable one and a second one it starts
/// with `default_transaction_read_only = on` (issue #16).
@Suite("PrimaryConnector", .enabled(if: TestDatabase.available && ReadOnlyServer.url != nil))
struct PrimaryConnectorTests {
    let writable: PostgresURL
    let readOnly: PostgresHost
    let events = EventRecorder()
    let logs = LogCapture()

    init() throws {
        writable = try PostgresURL(parsing: try #require(TestDatabase.urlText))
        readOnly = try PostgresURL(parsing: try #require(ReadOnlyServer.url)).hosts[0]
    }

    /// The test server's URL naming `hosts` instead, as an operator writes an HA URL.
    func url(_ hosts: [PostgresHost]) -> PostgresURL {
        var url = writable
        url.hosts = hosts
        url.targetSessionAttributes = .readWrite
        return url
    }

    func connector(_ hosts: [PostgresHost], requirement: ReplicationRequirement = .off) -> PrimaryConnector {
        let events = self.events
        let tracker = PrimaryTracker(logger: logs.logger(label: "tracker")) { event in events.all.withLock { $0.append(event) } }
        return PrimaryConnector(url: url(hosts), requirement: requirement, connectTimeout: .seconds(5), tracker: tracker)
    }

    /// The port and read-only state of the server a connection landed on.
    static func whereAmI(_ run: (PostgresQuery) async throws -> PostgresRowSequence) async throws -> (port: Int, readOnly: String) {
        let rows = try await run("SELECT inet_server_port(), current_setting('transaction_read_only')")
        for try await (port, readOnly) in rows.decode((Int, String).self) { return (port, readOnly) }
        throw TestDatabaseError.noDatabase
    }

    @Test("a read-only host listed first is skipped, reported, and the writable one is used; the next connect tries it first")
    func skipsReadOnlyHost() async throws {
        let logger = logs.logger(label: "test")
        let connector = connector([readOnly, writable.hosts[0]])
        let connection = try await connector.connect(.lock, applicationName: "kjob-test", logger: logger)
        let landed = try await Self.whereAmI { try await connection.query($0, logger: logger) }
        try await connection.close()
        #expect(landed.port == writable.port)
        #expect(landed.readOnly == "off")
        #expect(connector.tracker.current.value == writable.hosts[0])
        let seen = events.all.withLock { $0 }
        #expect(seen.contains { if case .refused(readOnly, .readOnly, let detail) = $0 { detail.contains("transaction_read_only") } else { false } })
        #expect(seen.contains(.connected(.lock, host: writable.hosts[0])))
        #expect(logs.contains("skipping a read-only Postgres host"))

        let again = try await connector.connect(.listen, applicationName: "kjob-test", logger: logger)
        try await again.close()
        let refusals = events.all.withLock { $0.filter { if case .refused = $0 { true } else { false } } }
        #expect(refusals.count == 1, "the known primary is tried first, so the read-only host is not probed again")
    }

    @Test("an unreachable host is skipped and counted as such")
    func skipsUnreachableHost() async throws {
        let closed = PostgresHost(host: "127.0.0.1", port: 1)
        let connection = try await connector([closed, writable.hosts[0]]).connect(.migrate, applicationName: "kjob-test", logger: logs.logger(label: "test"))
        try await connection.close()
        #expect(events.all.withLock { $0 }.contains { if case .refused(closed, .unreachable, _) = $0 { true } else { false } })
    }

    @Test("only read-only hosts: the error names each host and why")
    func noPrimary() async throws {
        let connector = connector([readOnly])
        let error = try await #require(throws: PrimaryUnavailableError.self) {
            try await connector.connect(.lock, applicationName: "kjob-test", logger: logs.logger(label: "test"))
        }
        #expect(error.refusals.map(\.host) == [readOnly])
        #expect(error.refusals.map(\.reason) == [.readOnly])
        #expect(error.description.contains("\(readOnly): read_only"))
        #expect(!error.isAsynchronousPrimary)
    }

    @Test("require_synchronous refuse: a writable but asynchronous primary is refused with the fix named; warn uses it")
    func asynchronousPrimary() async throws {
        let refusing = connector([readOnly, writable.hosts[0]], requirement: .refuse)
        let error = try await #require(throws: PrimaryUnavailableError.self) {
            try await refusing.connect(.lock, applicationName: "kjob-test", logger: logs.logger(label: "test"))
        }
        #expect(error.isAsynchronousPrimary)
        #expect(error.description.contains("synchronous_mode: true"))
        let warning = try await connector([readOnly, writable.hosts[0]], requirement: .warn)
            .connect(.lock, applicationName: "kjob-test", logger: logs.logger(label: "warn"))
        try await warning.close()
        #expect(logs.contains("replicates asynchronously"))
    }

    @Test("pools dial the relay and land on the writable host")
    func poolThroughRelay() async throws {
        let logger = logs.logger(label: "relay")
        let connector = connector([readOnly, writable.hosts[0]])
        let router = try await PrimaryRouter.bind(connector: connector, logger: logger)
        let client = PostgresClient(
            configuration: try connector.url.clientConfiguration(poolSize: 2, applicationName: "kjob-test", relay: router.endpoint),
            backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await router.run() }
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            for _ in 0..<3 {
                let landed = try await Self.whereAmI { try await client.query($0, logger: logger) }
                #expect(landed.port == writable.port)
                #expect(landed.readOnly == "off")
            }
            #expect(events.all.withLock { $0 }.contains(.connected(.pool, host: writable.hosts[0])))
        }
    }
}

/// What a ``PrimaryTracker`` reported.
final class EventRecorder: Sendable {
    let all = Mutex<[PostgresEvent]>([])
}

/// The read-only server scripts/test starts beside the writable one.
enum ReadOnlyServer {
    static let url = ProcessInfo.processInfo.environment["KJOB_TEST_PG_READONLY_URL"]
}
