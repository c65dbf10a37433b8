import Logging
import NIOCore
import PostgresNIO

/// Keeps a dedicated connection LISTENing on some channels and reports each notification;
/// reconnects when the connection drops (reporting once after each connect, since
/// notifications may have been missed before LISTEN took effect). Runs until cancelled.
public struct NotificationListener: Sendable {
    /// Where it connects: the URL's host, or its writable primary (LISTEN needs the primary).
    public let connector: PrimaryConnector
    public var url: PostgresURL { connector.url }
    public let channels: [String]
    public let applicationName: String
    /// Session settings sent at connect (keepalives, so the server drops a dead listener).
    public let startupParameters: [(String, String)]
    private let logger: Logger

    public init(
        url: PostgresURL, channels: [String], applicationName: String, startupParameters: [(String, String)] = [],
        logger: Logger
    ) {
        self.init(
            connector: PrimaryConnector(url: url), channels: channels, applicationName: applicationName,
            startupParameters: startupParameters, logger: logger)
    }

    public init(
        connector: PrimaryConnector, channels: [String], applicationName: String, startupParameters: [(String, String)] = [],
        logger: Logger
    ) {
        self.connector = connector
        self.channels = channels
        self.applicationName = applicationName
        self.startupParameters = startupParameters
        self.logger = logger
    }

    public func run(onNotification: @escaping @Sendable (_ channel: String, _ payload: String) -> Void) async {
        while !Task.isCancelled {
            do {
                let connection = try await connector.connect(
                    .listen, applicationName: applicationName,
                    startupParameters: startupParameters, logger: logger)
                do {
                    try await connection.addListenersIfOpen(channels: channels, onNotification: onNotification)
                } catch {
                    try? await connection.close()
                    throw error
                }
                _ = try await connection.queryIfOpen("SELECT 1", logger: logger)
                // Anything may have changed before LISTEN took effect: report once per connect.
                if let channel = channels.first { onNotification(channel, "") }
                try await withTaskCancellationHandler {
                    try await connection.closeFuture.get()
                } onCancel: {
                    connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("notification listener lost its connection; reconnecting", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}
