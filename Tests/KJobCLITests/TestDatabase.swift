import Foundation
import KJobStore
import Logging
import PostgresNIO

/// A private schema in the test Postgres from scripts/test, so suites run in parallel.
struct TestDatabase: Sendable {
    static let urlText = ProcessInfo.processInfo.environment["KJOB_TEST_PG_URL"]
    static var available: Bool { urlText != nil }

    let url: PostgresURL
    let names: StoreNames
    let logger: Logger

    init(prefix: String = "cli") throws {
        guard let text = Self.urlText else { throw TestDatabaseError.noDatabase }
        url = try PostgresURL(parsing: text)
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        names = StoreNames(schema: "\(prefix)_\(suffix)")
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        self.logger = logger
    }

    func migrate() async throws {
        let connection = try await PostgresConnection.connect(
            configuration: try url.connectionConfiguration(applicationName: "kjob-test"), id: 1, logger: logger)
        do {
            try await Migrator(names: names).migrate(on: connection, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs `body` with a running pool on a migrated schema; drops the schema afterwards.
    func withClient<R: Sendable>(_ body: @Sendable (PostgresClient) async throws -> R) async throws -> R {
        try await migrate()
        let client = PostgresClient(configuration: try url.clientConfiguration(poolSize: 6, applicationName: "kjob-test"), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            do {
                let result = try await body(client)
                _ = try? await client.query("DROP SCHEMA IF EXISTS \(unescaped: names.schema) CASCADE", logger: logger)
                return result
            } catch {
                _ = try? await client.query("DROP SCHEMA IF EXISTS \(unescaped: names.schema) CASCADE", logger: logger)
                throw error
            }
        }
    }
}

enum TestDatabaseError: Error { case noDatabase }
