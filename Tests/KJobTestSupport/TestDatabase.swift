import Foundation
import KJobStore
import Logging
import PostgresNIO

/// A private schema (and lock key) in the test Postgres from scripts/test, so suites run in parallel.
public struct TestDatabase: Sendable {
    public static let urlText = ProcessInfo.processInfo.environment["KJOB_TEST_PG_URL"]
    public static var available: Bool { urlText != nil }

    public let url: PostgresURL
    public let names: StoreNames
    public let lockKey: Int64
    public let logger: Logger

    /// `urlText`: another server than scripts/test's (e.g. the HA pair of scripts/pg-ha).
    public init(prefix: String = "t", urlText: String? = Self.urlText) throws {
        guard let text = urlText else { throw TestDatabaseError.noDatabase }
        url = try PostgresURL(parsing: text)
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        names = StoreNames(schema: "\(prefix)_\(suffix)")
        lockKey = Int64.random(in: 1_000_000...9_000_000_000)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        self.logger = logger
    }

    /// The runs repository the API uses (manual runs, cancels), over this schema.
    public func runs(_ client: PostgresClient) -> RunsRepository {
        RunsRepository(client: client, names: names, logger: logger)
    }

    /// A dedicated connection (on the writable primary when the URL names several hosts).
    public func connect() async throws -> PostgresConnection {
        try await PrimaryConnector(url: url, requirement: .off).connect(.migrate, applicationName: "kjob-test", logger: logger)
    }

    /// Applies every migration (a no-op when they are applied already).
    public func migrate() async throws {
        let connection = try await connect()
        do {
            try await Migrator(names: names).migrate(on: connection, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs `body` with a running pool on a migrated schema (a raw one with `migrating: false`);
    /// drops the schema afterwards, also when `body` throws.
    public func withClient<R: Sendable>(
        migrating: Bool = true,
        _ body: @Sendable (PostgresClient) async throws -> R
    ) async throws -> R {
        if migrating { try await migrate() }
        let client = PostgresClient(configuration: try url.clientConfiguration(poolSize: 8, applicationName: "kjob-test"), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            do {
                let result = try await body(client)
                await dropSchema(client)
                return result
            } catch {
                await dropSchema(client)
                throw error
            }
        }
    }

    private func dropSchema(_ client: PostgresClient) async {
        _ = try? await client.query("DROP SCHEMA IF EXISTS \(unescaped: names.schema) CASCADE", logger: logger)
    }
}

public enum TestDatabaseError: Error, CustomStringConvertible {
    case noDatabase
    case jobNotCreated(slug: String, result: String)

    public var description: String {
        switch self {
        case .noDatabase: "KJOB_TEST_PG_URL is not set; run the tests through scripts/test"
        case .jobNotCreated(let slug, let result): "job \(slug) was not created (\(result)); give each test job its own slug"
        }
    }
}
