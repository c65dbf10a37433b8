import Foundation
import KJobCore
import KJobMetrics
import KJobRelay
import KJobStore
import PostgresNIO

extension Daemon {
    /// `[relay]` as the relay client's configuration; nil when `relay.url` is empty (dispatch off).
    func relayConfiguration() async throws -> RelayConfiguration? {
        let relay = config.relay
        guard !relay.url.isEmpty else { return nil }
        let configuration = RelayConfiguration(
            url: relay.url, caFile: relay.caFile, clientCert: relay.clientCert, clientKey: relay.clientKey,
            tokenFile: relay.tokenFile, signingSecretFile: relay.signingSecretFile, timeout: relay.timeout, maxAge: relay.maxAge)
        // Reads the files once so that a bad path or secret fails start-up, naming the key.
        let client: RelayClient
        do {
            client = try RelayClient(configuration: configuration, logger: logger)
        } catch {
            throw DaemonConfigError(location: "relay.\(error.key)", message: error.value.isEmpty ? error.reason : "\(error.value): \(error.reason)")
        }
        try await client.shutdown()
        return configuration
    }

    /// The dispatcher wired from `[relay]`, or nil (logged once) when `relay.url` is empty.
    func makeDispatcher(
        client: PostgresClient, names: StoreNames, wake: Observed<UInt64>,
        now: @escaping @Sendable () -> Date, metrics: KJobMetrics
    ) async throws -> Dispatcher? {
        guard let relay = try await relayConfiguration() else {
            logger.notice("relay dispatch disabled: [relay] url is empty; finished runs' dispatches stay pending until it is set")
            return nil
        }
        var configuration = dispatcher
        configuration.policy.maxAge = relay.maxAge.timeInterval
        configuration.batchSize = config.dispatch.batchSize
        return Dispatcher(
            configuration: configuration, relay: relay,
            queue: DispatchOutbox(client: client, names: names, logger: logger),
            wake: wake, now: now, metrics: metrics, logger: logger)
    }
}
