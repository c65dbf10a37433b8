import Foundation
import KJobCore
import KJobDaemon
import KJobStore
import KJobTestSupport
import Logging
import PostgresNIO
import Testing

/// The lease across a Patroni switchover of the HA pair from scripts/pg-ha (issue #16). Runs when
/// KJOB_TEST_PG_HA_URL names it (`scripts/pg-ha start; KJOB_TEST_PG_HA_URL=$(scripts/pg-ha url)`),
/// with KJOB_REPO_ROOT (set by scripts/test) to find scripts/pg-ha.
@Suite("PostgresSwitchover", .enabled(if: HAPair.url != nil && HAPair.repoRoot != nil))
struct PostgresSwitchoverTests {
    func makeService(_ db: TestDatabase, node: String, logs: LogCapture) -> LeaseService {
        let logger = logs.logger(label: node)
        return LeaseService(
            configuration: .init(
                connector: PrimaryConnector(url: db.url, tracker: PrimaryTracker(logger: logger)), names: db.names,
                session: .init(lockKey: db.lockKey, nodeID: node, serverRelease: .seconds(6), connectTimeout: .seconds(4)),
                machine: .init(
                    heartbeat: .milliseconds(500), timeout: .seconds(4), standbyPoll: .milliseconds(300),
                    reconnectDelay: .milliseconds(300))),
            leadership: Leadership(), clock: DatabaseClock(), logger: logger)
    }

    /// `scripts/pg-ha ARGS`, bounded; its output for the test log.
    func pgHA(_ arguments: [String], timeout: Duration) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(try #require(HAPair.repoRoot))/scripts/pg-ha")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let exited = try await poll(timeout: timeout, interval: .milliseconds(100)) { !process.isRunning }
        if exited == nil { process.terminate() }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(exited != nil && process.terminationStatus == 0, "scripts/pg-ha \(arguments.joined(separator: " ")): \(text)")
        return text
    }

    func leaderRow(_ db: TestDatabase) async throws -> (epoch: Int64, holder: String?) {
        let connection = try await db.connect()
        defer { connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
        for try await row in try await connection.query("SELECT epoch, holder FROM \(unescaped: db.names.schema).leader", logger: db.logger)
            .decode((Int64, String?).self)
        { return row }
        throw TestDatabaseError.noDatabase
    }

    @Test("after a switchover both nodes find the new primary and one takes the lease with a higher epoch")
    func leaseAfterSwitchover() async throws {
        let db = try TestDatabase(urlText: HAPair.url)
        _ = try await pgHA(["wait", "60"], timeout: .seconds(70))
        try await db.migrate()
        let logs = LogCapture()
        let a = makeService(db, node: "a", logs: logs)
        let b = makeService(db, node: "b", logs: logs)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await a.run() }
            group.addTask { try await b.run() }
            do {
                let active = { [a, b] in [a, b].filter { $0.leadership.role != .standby } }
                _ = try #require(try await poll(timeout: .seconds(30)) { active().count == 1 }, "nobody took the lease")
                let first = try #require(active().first?.leadership.role.epoch)
                print(try await pgHA(["switchover"], timeout: .seconds(120)))
                let after = try await poll(timeout: .seconds(60), interval: .milliseconds(50)) {
                    let holders = active()
                    return holders.count == 1 && (holders[0].leadership.role.epoch ?? 0) > first
                }
                if after == nil { print("--- logs ---\n" + logs.text) }
                #expect(after != nil, "no node took the lease with a higher epoch after the switchover")
                let holder = try #require(active().first)
                let epoch = try #require(holder.leadership.role.epoch)
                let row = try await leaderRow(db)
                #expect(row.epoch == epoch, "the new primary's leader row carries the epoch the new holder was given")
                #expect(row.holder == holder.configuration.session.nodeID)
                #expect(epoch > first)
                #expect(logs.contains("the Postgres primary moved"))
            } catch {
                print("--- logs ---\n" + logs.text)
                a.requestShutdown()
                b.requestShutdown()
                throw error
            }
            a.requestShutdown()
            b.requestShutdown()
            try await group.waitForAll()
        }
        let connection = try await db.connect()
        _ = try? await connection.query("DROP SCHEMA IF EXISTS \(unescaped: db.names.schema) CASCADE", logger: db.logger)
        try? await connection.close()
    }
}

/// The scripts/pg-ha pair, when a tester started it and named it.
enum HAPair {
    static let url = ProcessInfo.processInfo.environment["KJOB_TEST_PG_HA_URL"]
    static let repoRoot = ProcessInfo.processInfo.environment["KJOB_REPO_ROOT"]
}
