import Foundation
import Hummingbird
import HummingbirdTesting
import KJobServer
import KJobStore
import Logging
import PostgresNIO
import Testing

/// A migrated schema, a pool, tokens of every role and tenant, and the API built on them.
struct APIFixture: Sendable {
    let db: TestDatabase
    let client: PostgresClient
    /// Token by name: admin, operator, viewer (all tenants); a-admin, a-viewer (tenant a), b-admin (tenant b); revoked.
    let tokens: [String: String]
    let configuration: APIConfiguration

    static func with(configure: (inout APIConfiguration) -> Void = { _ in },
                     _ body: @Sendable (APIFixture) async throws -> Void) async throws {
        let db = try TestDatabase()
        var configuration = APIConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.nodeID = "test-node"
        configuration.agents = ["kode", "shell"]
        configuration.followPoll = .milliseconds(50)
        configure(&configuration)
        let frozen = configuration
        try await db.withClient { client in
            let issuer = TokenIssuer(repository: TokensRepository(client: client, names: db.names, logger: db.logger))
            var tokens: [String: String] = [:]
            for (name, role, tenant) in [("admin", "admin", nil), ("operator", "operator", nil), ("viewer", "viewer", nil),
                                         ("a-admin", "admin", "a"), ("a-viewer", "viewer", "a"), ("b-admin", "admin", "b"),
                                         ("revoked", "admin", nil)] as [(String, String, String?)] {
                tokens[name] = try await issuer.create(name: name, role: role, tenant: tenant).token
            }
            _ = try await TokensRepository(client: client, names: db.names, logger: db.logger).revoke(name: "revoked")
            try await body(APIFixture(db: db, client: client, tokens: tokens, configuration: frozen))
        }
    }

    func app(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws -> APIServer.App {
        try APIServer.makeApplication(client: client, names: db.names, configuration: configuration, logger: db.logger,
                                      onServerRunning: onServerRunning)
    }

    func headers(_ token: String?, contentType: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(tokens[token] ?? token)" }
        if let contentType { headers[.contentType] = contentType }
        return headers
    }

    /// Runs `body` against the router (no sockets).
    func test(_ body: @escaping @Sendable (APITester) async throws -> Void) async throws {
        try await app().test(.router) { client in
            try await body(APITester(client: client, fixture: self))
        }
    }

    func sql(_ query: PostgresQuery) async throws {
        try await client.query(query, logger: db.logger)
    }
}

/// Request helpers over a Hummingbird test client.
struct APITester: Sendable {
    let client: any TestClientProtocol
    let fixture: APIFixture

    struct Result: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var bytes: [UInt8]
        var text: String { String(decoding: bytes, as: UTF8.self) }
        var json: [String: Any] {
            ((try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]) ?? [:]
        }
        var object: Any? { try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) }
        var contentType: String? { headers[.contentType] }
        /// The `field`s of a problem's `errors`.
        var errorFields: [String] {
            ((object as? [String: Any])?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
        }
    }

    func call(_ method: HTTPRequest.Method, _ uri: String, token: String?, body: String? = nil, contentType: String? = nil) async throws -> Result {
        let response = try await client.executeRequest(
            uri: uri, method: method, headers: fixture.headers(token, contentType: contentType),
            body: body.map { ByteBuffer(string: $0) })
        return Result(status: response.status, headers: response.headers, bytes: Array(response.body.readableBytesView))
    }

    func callBytes(_ method: HTTPRequest.Method, _ uri: String, token: String?, body: [UInt8], contentType: String?) async throws -> Result {
        let response = try await client.executeRequest(
            uri: uri, method: method, headers: fixture.headers(token, contentType: contentType), body: ByteBuffer(bytes: body))
        return Result(status: response.status, headers: response.headers, bytes: Array(response.body.readableBytesView))
    }

    /// Creates a job with the admin (or given) token; expects 201.
    @discardableResult
    func createJob(_ slug: String, token: String = "admin", schedule: String = "0 9 * * MON", tenantQuery: String = "") async throws -> Result {
        let result = try await call(.post, "/v1/jobs\(tenantQuery)", token: token, body: JobTOML.make(slug: slug, schedule: schedule),
                                    contentType: "application/toml")
        #expect(result.status == .created, "create \(slug): \(result.text)")
        return result
    }

    /// Expects a problem+json response with this status.
    func expectProblem(_ result: Result, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "\(result.text)", sourceLocation: sourceLocation)
        #expect(result.contentType == "application/problem+json", sourceLocation: sourceLocation)
        let object = result.object as? [String: Any]
        #expect(object?["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
        #expect((object?["type"] as? String)?.hasPrefix("urn:kjob:problem:") == true, sourceLocation: sourceLocation)
        #expect(object?["title"] is String && object?["detail"] is String, sourceLocation: sourceLocation)
    }
}

enum JobTOML {
    static func make(slug: String, schedule: String = "0 9 * * MON", agent: String = "kode", extra: String = "") -> String {
        """
        [job]
        slug = "\(slug)"
        prompt = "/k-housekeep"
        agent = "\(agent)"
        schedule = "\(schedule)"
        timezone = "Europe/Lisbon"
        \(extra)
        """
    }
}
