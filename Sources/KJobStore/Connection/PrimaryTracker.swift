import KJobCore
import Logging
import Synchronization

/// The writable primary as last found by any of a node's connections, shared by all of them:
/// the lock session's reconnect after a failover moves the pools' relay (``PrimaryRouter``) too.
/// Every ``PostgresEvent`` passes through here to be logged and handed to `onEvent` (metrics).
public final class PrimaryTracker: Sendable {
    /// The primary connections should go to; nil when unknown (then the next one looks for it).
    public let current = Observed<PostgresHost?>(nil)
    private let last = Mutex<PostgresHost?>(nil)
    private let onEvent: @Sendable (PostgresEvent) -> Void
    private let logger: Logger

    public init(logger: Logger, onEvent: @escaping @Sendable (PostgresEvent) -> Void = { _ in }) {
        self.logger = logger
        self.onEvent = onEvent
    }

    /// `host` answered as the writable primary.
    func found(_ host: PostgresHost) {
        let previous = last.withLock { last in
            defer { last = host }
            return last
        }
        if current.value != host { current.set(host) }
        if let previous, previous != host { report(.primaryChanged(from: previous, to: host)) }
    }

    /// A connection to `host` failed or was ended by the server: look again before the next one,
    /// without cutting the other connections (one backend ending says nothing about the rest).
    func forget(_ host: PostgresHost) {
        current.update { if $0 == host { $0 = nil } }
    }

    /// Returns once a primary other than `host` has been found (or the task is cancelled).
    func waitUntilMoved(from host: PostgresHost) async {
        _ = await current.wait { $0 != nil && $0 != host }
    }

    func report(_ event: PostgresEvent) {
        switch event {
        case .connected(let kind, let host):
            logger.info("connected to the primary", metadata: ["connection": "\(kind.rawValue)", "host": "\(host)"])
        case .primaryChanged(let from, let to):
            logger.notice("the Postgres primary moved; following it", metadata: ["from": "\(from)", "to": "\(to)"])
        case .refused(let host, let reason, let detail):
            if reason == .readOnly {
                logger.info("skipping a read-only Postgres host", metadata: ["host": "\(host)", "detail": "\(detail)"])
            } else {
                logger.warning("not using Postgres host", metadata: ["host": "\(host)", "reason": "\(reason.rawValue)", "detail": "\(detail)"])
            }
        }
        onEvent(event)
    }
}
