import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// `addListener` for each channel, only while the connection is open.
    ///
    /// PostgresNIO drops a listener whose registration reaches an already closed channel and
    /// traps in its deinit ("Notification closure had not been used"). Registering on the event
    /// loop after checking the channel is still active makes the write reach the handler at once.
    /// Throws ``ConnectionClosedError`` when the connection closed first (callers reconnect).
    func addListenersIfOpen(
        channels: [String],
        onNotification: @escaping @Sendable (_ channel: String, _ payload: String) -> Void
    ) async throws {
        let registered = try await eventLoop.submit {
            guard !self.isClosed else { return false }
            for channel in channels {
                self.addListener(channel: channel) { _, notification in onNotification(notification.channel, notification.payload) }
            }
            return true
        }.get()
        guard registered else { throw ConnectionClosedError() }
    }
}

