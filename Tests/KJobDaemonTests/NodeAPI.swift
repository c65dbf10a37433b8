import AsyncHTTPClient
import Foundation
import KJobServer
import KJobStore
import KJobTestSupport
import PostgresNIO

/// The API URL `node` recorded in the node table once it holds the bound port (test nodes listen on
/// port 0, and record `…:0` until the server is up); nil on timeout.
func nodeAPIURL(_ client: PostgresClient, _ db: TestDatabase, node: String) async throws -> String? {
    var url: String?
    _ = try await poll(timeout: .seconds(30), interval: .milliseconds(50)) {
        url = try await client.scalar(
            "SELECT http_url FROM \(unescaped: db.names.schema).nodes WHERE id = \(node) AND http_url ~ ':[1-9][0-9]*$'", as: String.self)
        return url != nil
    }
    return url
}

/// A fresh token of `role` (all tenants), as `kjobd token create` makes it.
func issueToken(_ client: PostgresClient, _ db: TestDatabase, name: String, role: String) async throws -> String {
    let issuer = TokenIssuer(repository: TokensRepository(client: client, names: db.names, logger: db.logger))
    return try await issuer.create(name: name, role: role, tenant: nil, actor: "test").token
}

/// A GET with a bearer token.
func authorizedGET(_ url: String, token: String) -> HTTPClientRequest {
    var request = HTTPClientRequest(url: url)
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    return request
}
