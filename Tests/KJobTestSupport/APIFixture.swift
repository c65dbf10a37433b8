import Foundation
import Hummingbird
import KJobServer
import KJobStore
import Logging
import NIOCore
import PostgresNIO

/// A migrated schema, a pool, tokens of every role and tenant, and the API built on them; the
/// API and CLI tests share it (router-only, or live on 127.0.0.1 with `serve`).
public struct APIFixture: Sendable {
    public let db: TestDatabase
    public let client: PostgresClient
    /// Token by name: admin, operator, viewer (all tenants); a-admin, a-viewer (tenant a), b-admin (tenant b); revoked.
    public let tokens: [String: String]
    public let configuration: APIConfiguration

    /// Runs `body` with a fresh fixture; its schema is dropped afterwards.
    public static func with(
        prefix: String = "api", configure: (inout APIConfiguration) -> Void = { _ in },
        _ body: @Sendable (APIFixture) async throws -> Void
    ) async throws {
        let db = try TestDatabase(prefix: prefix)
        var configuration = APIConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.nodeID = "test-node"
        configuration.agents = ["kode", "shell"]
        configuration.followPoll = .milliseconds(50)
        configure(&configuration)
        let frozen = configuration
        try await db.withClient { client in
            let repository = TokensRepository(client: client, names: db.names, logger: db.logger)
            let issuer = TokenIssuer(repository: repository)
            var tokens: [String: String] = [:]
            for (name, role, tenant) in [
                ("admin", "admin", nil), ("operator", "operator", nil), ("viewer", "viewer", nil),
                ("a-admin", "admin", "a"), ("a-viewer", "viewer", "a"), ("b-admin", "admin", "b"),
                ("revoked", "admin", nil)
            ] as [(String, String, String?)] {
                tokens[name] = try await issuer.create(name: name, role: role, tenant: tenant, actor: "test").token
            }
            _ = try await repository.revoke(name: "revoked", actor: "test")
            try await body(APIFixture(db: db, client: client, tokens: tokens, configuration: frozen))
        }
    }

    public func app(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws -> APIServer.App {
        try APIServer.makeApplication(
            client: client, names: db.names, configuration: configuration, logger: db.logger,
            onServerRunning: onServerRunning)
    }

    /// Runs the API on 127.0.0.1 (port 0) while `body` runs; `body` gets its base URL (https with TLS).
    public func serve<R: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> R) async throws -> R {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try app { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try await app.runService(gracefulShutdownSignals: [])
                return nil
            }
            defer { group.cancelAll() }
            var port = 0
            for await value in ports { port = value }
            guard port > 0 else { throw APIFixtureError.notListening }
            let scheme = configuration.tlsEnabled ? "https" : "http"
            return try await body("\(scheme)://127.0.0.1:\(port)")
        }
    }

    /// Authorization (the named token, or `token` itself) and content type headers.
    public func headers(_ token: String?, contentType: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(tokens[token] ?? token)" }
        if let contentType { headers[.contentType] = contentType }
        return headers
    }

    public func sql(_ query: PostgresQuery) async throws {
        try await client.query(query, logger: db.logger)
    }
}

public enum APIFixtureError: Error, CustomStringConvertible {
    case notListening
    public var description: String { "the test API did not report a listening port; see its log for the bind error" }
}
