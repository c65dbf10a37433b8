import Foundation
import Logging
import PostgresNIO

/// Applies ``Migrations/all`` in one transaction, serialized across nodes.
///
/// Both nodes may start at once: a transaction-level advisory lock (two-key form, so it can never
/// collide with the single-key lease lock) makes the second wait, then see the versions the first
/// applied and do nothing.
public struct Migrator: Sendable {
    public let names: StoreNames
    public let migrations: [Migration]

    public init(names: StoreNames, migrations: [Migration] = Migrations.all) {
        self.names = names
        self.migrations = migrations
    }

    /// Returns the versions applied by this call (empty when the schema was current).
    @discardableResult
    public func migrate(on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        let schema = names.schema
        return try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('kjob.migrate'), hashtext(\(schema)))", logger: logger)
            try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: schema).schema_migrations (
                    version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM \(unescaped: schema).schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            if let newest = applied.max(), let known = migrations.map(\.version).max(), newest > known {
                throw MigrationError(message: "schema \(schema) is at version \(newest) but this kjobd knows only up to \(known); upgrade kjobd")
            }
            var done: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
                for statement in migration.statements {
                    let sql = statement.replacingOccurrences(of: "{schema}", with: schema)
                    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO \(unescaped: schema).schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                logger.info("applied migration", metadata: ["schema": "\(schema)", "version": "\(migration.version)", "name": "\(migration.name)"])
                done.append(migration.version)
            }
            return done
        }
    }
}

/// The database schema cannot be brought to this binary's version.
public struct MigrationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
