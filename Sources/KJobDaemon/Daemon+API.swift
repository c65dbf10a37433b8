import Foundation
import KJobMetrics
import KJobServer
import KJobStore
import Logging
import PostgresNIO

extension Daemon {
    /// The `[http]` section as the API's configuration.
    func apiConfiguration() throws -> APIConfiguration {
        var api = APIConfiguration()
        do {
            (api.host, api.port) = try APIConfiguration.parseListen(config.http.listen)
        } catch {
            throw DaemonConfigError(location: "http.listen", message: error.description)
        }
        guard config.http.tlsCert.isEmpty == config.http.tlsKey.isEmpty else {
            throw DaemonConfigError(location: "http.tls_cert", message: "set both http.tls_cert and http.tls_key for HTTPS, or neither")
        }
        api.tlsCert = config.http.tlsCert
        api.tlsKey = config.http.tlsKey
        api.nodeID = config.node.id
        api.agents = Set(config.agents.keys)
        // Quiet for a few heartbeats past the lease timeout: down.
        api.nodeDownAfter = config.lease.timeout + config.lease.heartbeat * 3
        api.maxFollowStreams = config.http.maxFollowStreams
        api.frameAncestors = config.http.frameAncestors
        api.sessionIdle = config.http.sessionIdle
        // Token lookups may take at most half the API's pool; requests with known tokens keep the rest.
        api.maxTokenLookups = max(1, config.postgres.apiPoolSize / 2)
        return api
    }

    /// The HTTP API service for the ServiceGroup, on its own pool (`client`); `onServerRunning`
    /// gets the bound channel.
    func apiService(
        client: PostgresClient, metrics: KJobMetrics,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> APIServer.App {
        try APIServer.makeApplication(
            client: client, names: names, configuration: try apiConfiguration(), logger: logger,
            metrics: metrics, onServerRunning: onServerRunning)
    }

    /// `kjobd token create`: migrates, stores the hash, returns the token (printed once by the caller).
    /// `actor` (the OS user) is recorded in the audit.
    public func createToken(name: String, role: String, tenant: String?, expires: String?, actor: String) async throws -> (String, TokenRecord) {
        try await withTokens { tokens in
            try await TokenIssuer(repository: tokens).create(name: name, role: role, tenant: tenant, expires: expires, actor: actor)
        }
    }

    /// `kjobd token list`: every token, by name.
    public func listTokens() async throws -> [TokenRecord] {
        try await withTokens { try await $0.list(tenant: nil) }
    }

    /// `kjobd token revoke`.
    public func revokeToken(name: String, actor: String) async throws -> TokensRepository.RevokeResult {
        try await withTokens { try await $0.revoke(name: name, actor: actor) }
    }

    /// Runs `body` with the token repository on a one-connection pool, after migrating. A one-shot
    /// command: with several hosts it connects straight to the primary the migration found.
    func withTokens<R: Sendable>(_ body: @escaping @Sendable (TokensRepository) async throws -> R) async throws -> R {
        let connector = try connector()
        try await migrate(connector: connector)
        var url = try url()
        if url.selectsPrimary, let primary = connector.tracker.current.value { url = url.only(primary) }
        let client = PostgresClient(
            configuration: try url.clientConfiguration(poolSize: 1, applicationName: "kjobd-token:\(config.node.id)"),
            backgroundLogger: logger)
        let names = self.names
        let logger = self.logger
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(TokensRepository(client: client, names: names, logger: logger))
        }
    }
}
