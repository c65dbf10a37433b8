import Foundation
import KJobStore
import Logging
import PostgresNIO

/// A private schema (and lock key) in the test Postgres from scripts/test, so suites run in parallel.
struct TestDatabase: Sendable {
    static let urlText = ProcessInfo.processInfo.environment["KJOB_TEST_PG_URL"]
    static var available: Bool { urlText != nil }

    let url: PostgresURL
    let names: StoreNames
    let lockKey: Int64
    let logger: Logger

    init(prefix: String = "t") throws {
        guard let text = Self.urlText else { throw TestDatabaseError.noDatabase }
        url = try PostgresURL(parsing: text)
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        names = StoreNames(schema: "\(prefix)_\(suffix)")
        lockKey = Int64.random(in: 1_000_000...9_000_000_000)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        self.logger = logger
    }

    func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration: try url.connectionConfiguration(applicationName: "kjob-test"),
                                             id: Int.random(in: 1...Int.max), logger: logger)
    }

    func migrate() async throws {
        let connection = try await connect()
        try await Migrator(names: names).migrate(on: connection, logger: logger)
        try await connection.close()
    }

    /// Runs `body` with a running pool; drops the schema afterwards.
    func withClient<R: Sendable>(_ body: @Sendable (PostgresClient) async throws -> R) async throws -> R {
        let client = PostgresClient(configuration: try url.clientConfiguration(poolSize: 8, applicationName: "kjob-test"), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            let result = try await body(client)
            _ = try? await client.query("DROP SCHEMA IF EXISTS \(unescaped: names.schema) CASCADE", logger: logger)
            return result
        }
    }
}

enum TestDatabaseError: Error { case noDatabase }

extension PostgresClient {
    func scalar<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? {
        var result: T?
        for try await value in try await self.query(query).decode(T.self) { result = value }
        return result
    }
}
