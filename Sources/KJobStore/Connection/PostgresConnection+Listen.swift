import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// `addListener` for each channel, only while the connection is open (a registration that
    /// reaches a closed channel traps in PostgresNIO: "Notification closure had not been used").
    /// Throws ``ConnectionClosedError`` when the connection closed first (callers reconnect).
    func addListenersIfOpen(
        channels: [String],
        onNotification: @escaping @Sendable (_ channel: String, _ payload: String) -> Void
    ) async throws {
        try await onEventLoopIfOpen {
            for channel in channels {
                self.addListener(channel: channel) { _, notification in onNotification(notification.channel, notification.payload) }
            }
            return self.eventLoop.makeSucceededVoidFuture()
        }
    }
}
