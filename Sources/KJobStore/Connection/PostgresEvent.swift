import KJobCore

/// What host selection observed; kjobd logs and counts each one.
public enum PostgresEvent: Sendable, Hashable {
    /// A connection of `kind` was opened on `host` (a first connect or a reconnect).
    case connected(PostgresConnectionKind, host: PostgresHost)
    /// The writable primary was found on another host than before.
    case primaryChanged(from: PostgresHost, to: PostgresHost)
    /// `host` was not used, and why.
    case refused(host: PostgresHost, reason: PostgresHostRefusal, detail: String)
}
