import Logging
import NIOCore
import PostgresNIO

/// Keeps a dedicated connection LISTENing on some channels and reports each notification;
/// reconnects when the connection drops (reporting once after each reconnect, since
/// notifications may have been missed meanwhile). Runs until cancelled.
public struct NotificationListener: Sendable {
    public let url: PostgresURL
    public let channels: [String]
    public let applicationName: String
    private let logger: Logger

    public init(url: PostgresURL, channels: [String], applicationName: String, logger: Logger) {
        self.url = url
        self.channels = channels
        self.applicationName = applicationName
        self.logger = logger
    }

    public func run(onNotification: @escaping @Sendable (_ channel: String, _ payload: String) -> Void) async {
        var connectedBefore = false
        while !Task.isCancelled {
            do {
                let configuration = try url.connectionConfiguration(applicationName: applicationName)
                let connection = try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 1...Int.max), logger: logger)
                for channel in channels {
                    connection.addListener(channel: channel) { _, notification in
                        onNotification(notification.channel, notification.payload)
                    }
                }
                try await connection.query("SELECT 1", logger: logger)
                if connectedBefore, let channel = channels.first { onNotification(channel, "") }
                connectedBefore = true
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
