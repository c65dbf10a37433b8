import Foundation
import KJobCore
import KJobDaemon
import KJobStore
import KJobTestSupport
import Logging
import PostgresNIO
import Testing

/// The lease driver in-process against the real Postgres, with short test timings.
@Suite("LeaseService", .enabled(if: TestDatabase.available))
struct LeaseServiceTests {
    func makeService(_ db: TestDatabase, node: String, connectTimeout: Duration = .seconds(4), logger: Logger) -> LeaseService {
        LeaseService(
            configuration: .init(
                url: db.url, names: db.names,
                session: .init(lockKey: db.lockKey, nodeID: node, serverRelease: .seconds(15), connectTimeout: connectTimeout),
                // Far looser than production: under a loaded 2-core box a heartbeat may stall for
                // seconds, and this test must see the demotions it causes, not heartbeat timeouts.
                machine: .init(
                    heartbeat: .milliseconds(500), timeout: .seconds(10), standbyPoll: .milliseconds(300),
                    reconnectDelay: .milliseconds(300))),
            leadership: Leadership(), clock: DatabaseClock(), logger: logger)
    }

    /// The demotions `service` counted for `reason` (its `kjob_leader_demotions_total` series).
    static func demotions(_ service: LeaseService, _ reason: LeaseDemotionReason) -> Double {
        service.metrics.render().split(separator: "\n")
            .first { $0.hasPrefix("kjob_leader_demotions_total{") && $0.contains("reason=\"\(reason.rawValue)\"") }
            .flatMap { $0.split(separator: " ").last.flatMap { Double($0) } } ?? 0
    }

    @Test func backendTerminationMovesTheLeaseAndPoolerSwapIsRefused() async throws {
        let db = try TestDatabase()
        let logs = LogCapture()
        let a = makeService(db, node: "a", logger: logs.logger(label: "a"))
        let b = makeService(db, node: "b", logger: logs.logger(label: "b"))
        try await db.withClient { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await a.run() }
                // A failed expectation must not leave the group waiting on services that run forever.
                do {
                    // Generous: in a full parallel `make test` on a loaded 2-core box the first acquisition
                    // has taken over 10 s (fork-bomb and 1 GiB-output suites start at the same time).
                    let epochA = try #require(await withTimeout(.seconds(30)) { await a.leadership.waitUntilActive() })
                    group.addTask { try await b.run() }
                    try await Task.sleep(for: .milliseconds(500))
                    #expect(b.leadership.role == .standby)

                    // Pooler swap under the lease: a's session silently continues on a new backend.
                    try await #require(a.session).swapBackendForTesting()
                    let demoted = try await poll(timeout: .seconds(15)) { a.leadership.role == .standby }
                    #expect(demoted != nil)
                    #expect(Self.demotions(a, .backendChanged) == 1)
                    // The old backend was terminated, so b takes over.
                    let epochB = try #require(await withTimeout(.seconds(20)) { await b.leadership.waitUntilActive() })
                    #expect(epochB > epochA)

                    // Terminating b's lock backend: b demotes at once, backs off, and a takes over.
                    let pid = try #require(b.session?.backendPID)
                    try await client.query("SELECT pg_terminate_backend(\(pid))")
                    let moved = try await poll(timeout: .seconds(15), interval: .milliseconds(10)) {
                        (a.leadership.role.epoch ?? 0) > epochB
                    }
                    _ = try #require(moved)
                    // The server released b's lock at once, so a may win before b's next heartbeat
                    // tells it; b must demote within a heartbeat or two (its writes are fenced meanwhile).
                    let bDemoted = try await poll(timeout: .seconds(15), interval: .milliseconds(10)) {
                        b.leadership.role == .standby
                    }
                    #expect(bDemoted != nil, "b still thinks it is active after its backend was terminated")
                    #expect(
                        [.heartbeatFailed, .connectionLost, .heartbeatTimeout].contains { Self.demotions(b, $0) >= 1 },
                        "b's demotion is counted with a connection reason")
                    let roles = [a.leadership.role, b.leadership.role]
                    #expect(roles.filter { $0 != .standby }.count == 1)
                } catch {
                    print("--- lease service logs ---\n" + logs.text)
                    a.requestShutdown()
                    b.requestShutdown()
                    throw error
                }
                a.requestShutdown()
                b.requestShutdown()
                try await group.waitForAll()
            }
        }
    }
}

extension LeaseServiceTests {
    /// A lock session whose setup outlives the connect deadline is closed mid-setup; the setup's
    /// queries must then fail, not wait forever: the node retries, and shutdown still stops it.
    /// (It once hung: a query that reached the closed channel was dropped by PostgresNIO.)
    @Test(arguments: [1, 3, 6, 10, 20])
    func sessionSetupCutShortByTheConnectDeadlineNeverHangs(connectTimeoutMs: Int) async throws {
        let db = try TestDatabase()
        let logs = LogCapture()
        try await db.withClient { _ in
            for round in 0..<3 {
                let service = makeService(
                    db, node: "n\(round)", connectTimeout: .milliseconds(connectTimeoutMs + round),
                    logger: logs.logger(label: "n"))
                let stopped = Observed<Bool>(false)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await service.run()
                        stopped.set(true)
                    }
                    // Several open attempts, each cut short at a different point of connect or setup.
                    try await Task.sleep(for: .milliseconds(700))
                    service.requestShutdown()
                    let stop = try await poll(timeout: .seconds(30)) { stopped.value }
                    #expect(stop != nil, "the lease service did not stop after shutdown (connect deadline \(connectTimeoutMs) ms)")
                    if stop == nil { group.cancelAll() }
                    try await group.waitForAll()
                }
            }
        }
    }
}
