import Foundation
import PostgresNIO

/// Two real `kjobd run` processes on one private schema: `a` is up and holds the lease, then `b`
/// is up as standby, before the test body runs.
public struct KJobdPair: Sendable {
    public let db: TestDatabase
    public let client: PostgresClient
    public let a: KJobdProcess
    public let b: KJobdProcess

    public func process(_ node: String) -> KJobdProcess { node == "a" ? a : b }

    /// Starts the pair (`environment(node)` adds KJOBD_* variables per node), runs `body`, then
    /// stops both. When `body` throws, both logs are printed and the processes are killed.
    public static func with(
        environment: @Sendable (_ node: String) -> [String: String] = { _ in [:] },
        _ body: @Sendable (KJobdPair) async throws -> Void
    ) async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            let a = try KJobdProcess(node: "a", db: db, extra: environment("a"))
            guard try await poll(timeout: .seconds(30), { try await leader(client, db).holder == "a" }) != nil else {
                throw KJobdPairError(what: "node a never became active", log: a.log)
            }
            let b = try KJobdProcess(node: "b", db: db, extra: environment("b"))
            guard try await poll(timeout: .seconds(30), { try await role(client, db, of: "b") == "standby" }) != nil else {
                throw KJobdPairError(what: "node b never reported standby", log: b.log)
            }
            let pair = KJobdPair(db: db, client: client, a: a, b: b)
            do {
                try await body(pair)
            } catch {
                print("--- a ---\n\(a.log)\n--- b ---\n\(b.log)")
                throw error
            }
            async let stopA = a.stop(timeout: .seconds(10))
            async let stopB = b.stop(timeout: .seconds(10))
            _ = await (stopA, stopB)
        }
    }

    /// The holder and epoch per the leader table.
    public func leader() async throws -> (holder: String?, epoch: Int64) {
        try await Self.leader(client, db)
    }

    /// The role `node` last reported in the node table.
    public func role(of node: String) async throws -> String? {
        try await Self.role(client, db, of: node)
    }

    /// Polls until `node` holds the lease under an epoch above `epoch`; the time it took, nil on timeout.
    public func takeover(
        by node: String, after epoch: Int64, timeout: Duration,
        interval: Duration = .milliseconds(10)
    ) async throws -> Duration? {
        try await poll(timeout: timeout, interval: interval) {
            let now = try await leader()
            return now.holder == node && now.epoch > epoch
        }
    }

    static func leader(_ client: PostgresClient, _ db: TestDatabase) async throws -> (holder: String?, epoch: Int64) {
        var result: (String?, Int64) = (nil, 0)
        for try await row in try await client.query("SELECT holder, epoch FROM \(unescaped: db.names.schema).leader").decode((String?, Int64).self) {
            result = row
        }
        return result
    }

    static func role(_ client: PostgresClient, _ db: TestDatabase, of node: String) async throws -> String? {
        try await client.scalar("SELECT role FROM \(unescaped: db.names.schema).nodes WHERE id = \(node)", as: String.self)
    }
}

/// The pair did not come up; carries the node's log.
public struct KJobdPairError: Error, CustomStringConvertible {
    public var what: String
    public var log: String
    public var description: String { "\(what); its log:\n\(log)" }
}
