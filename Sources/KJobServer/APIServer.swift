import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KJobMetrics
import KJobStore
import Logging
import NIOSSL
import PostgresNIO

/// Builds the HTTP API (DESIGN §10). The returned `Application` is a `Service`: `kjobd` adds it
/// to its ServiceGroup; tests drive it with `app.test(.router)` or run it live on port 0.
public enum APIServer {
    public typealias App = Application<RouterResponder<APIRequestContext>>

    /// Every route, for the OpenAPI drift test. `metrics` is the node's registry (`/metrics`); nil = a fresh one.
    /// The follow-stream cap and the token cache belong to the router: one per node.
    public static func router(
        dependencies: APIDependencies, configuration: APIConfiguration,
        metrics: KJobMetrics? = nil
    ) -> Router<APIRequestContext> {
        let metrics = metrics ?? KJobMetrics(nodeID: configuration.nodeID, version: "")
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: ProblemMiddleware(maxBodyBytes: configuration.maxBodyBytes))
        let system = SystemRoutes(dependencies: dependencies, configuration: configuration, metrics: metrics)
        system.addPublic(to: router)
        let authenticator = TokenAuthenticator(
            tokens: dependencies.tokens,
            settings: .init(
                cacheTTL: configuration.tokenCacheTTL, maxLookups: configuration.maxTokenLookups, lookupWait: configuration.tokenLookupWait))
        // Followed logs and the console's live views share the node's stream slots.
        let streams = ConcurrencyLimit(limit: configuration.maxFollowStreams)
        let v1 = router.group("v1").add(middleware: AuthMiddleware(authenticator: authenticator))
        JobRoutes(dependencies: dependencies, configuration: configuration).add(to: v1)
        RunRoutes(dependencies: dependencies, configuration: configuration, follows: streams).add(to: v1)
        AuditRoutes(dependencies: dependencies).add(to: v1)
        TokenRoutes(dependencies: dependencies, configuration: configuration, authenticator: authenticator).add(to: v1)
        system.add(to: v1)
        ConsoleRoutes(
            console: Console(
                dependencies: dependencies, configuration: configuration,
                authenticator: authenticator, streams: streams)
        ).add(to: router)
        return router
    }

    /// The API as a Service. `onServerRunning` receives the bound channel (its port when `port` is 0).
    public static func makeApplication(
        client: PostgresClient, names: StoreNames, configuration: APIConfiguration, logger: Logger, metrics: KJobMetrics? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> App {
        let dependencies = APIDependencies(client: client, names: names, logger: logger)
        let router = router(dependencies: dependencies, configuration: configuration, metrics: metrics)
        var server: HTTPServerBuilder = .http1()
        if configuration.tlsEnabled { server = try .tls(.http1(), tlsConfiguration: tls(configuration)) }
        return Application(
            router: router, server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kjobd"),
            onServerRunning: onServerRunning, logger: logger)
    }

    static func tls(_ configuration: APIConfiguration) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(configuration.tlsCert).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: configuration.tlsKey, format: .pem)
            return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        } catch {
            throw APIConfigurationError(
                message:
                    "cannot load http.tls_cert \(configuration.tlsCert) / http.tls_key \(configuration.tlsKey): \(error); both must be PEM files readable by kjobd"
            )
        }
    }
}
