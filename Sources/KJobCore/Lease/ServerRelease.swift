/// What kjobd asks Postgres for so that it drops a silent client after `lease.server_release`,
/// and when each mechanism really fires: the one place that does this arithmetic (no I/O).
///
/// `idle_session_timeout` and `tcp_user_timeout` take milliseconds; the keepalive settings take
/// whole seconds, so they are rounded *up*. No mechanism may drop a live but silent lock holder
/// before `server_release`: that holder only demotes itself at `lease.timeout`, and a lock freed
/// earlier could let the standby act while the old active still does.
public struct ServerRelease: Sendable, Hashable {
    /// The shortest `server_release` honoured: the keepalive settings count whole seconds.
    public static let minimum: Duration = .seconds(1)

    /// `server_release` as configured.
    public let configured: Duration
    /// `idle_session_timeout` (lock session) and `tcp_user_timeout` (every connection), in ms.
    public let timeoutMilliseconds: Int64
    /// `tcp_keepalives_idle`: seconds of silence before the server's first probe.
    public let keepalivesIdle: Int64
    /// `tcp_keepalives_interval`: seconds between unanswered probes.
    public let keepalivesInterval: Int64
    /// `tcp_keepalives_count`: unanswered probes before the server drops the connection.
    public let keepalivesCount: Int64

    public init(_ serverRelease: Duration) {
        configured = serverRelease
        let milliseconds = max(Self.ceilMilliseconds(serverRelease), Self.minimum.milliseconds)
        timeoutMilliseconds = milliseconds
        let seconds = (milliseconds + 999) / 1000
        keepalivesInterval = 1
        keepalivesIdle = max(seconds / 2, 1)
        keepalivesCount = max(seconds - keepalivesIdle, 1)
    }

    /// When keepalives drop a peer that stopped answering: `idle + interval × count` seconds.
    public var keepaliveRelease: Duration { .seconds(keepalivesIdle + keepalivesInterval * keepalivesCount) }

    /// The earliest any mechanism drops a silent holder; what `lease.timeout` must stay under.
    public var effectiveRelease: Duration { min(.milliseconds(timeoutMilliseconds), keepaliveRelease) }

    /// The latest a dead, frozen or cut-off holder keeps its lock (keepalives are whole seconds, so
    /// up to a second past `server_release`).
    public var latestRelease: Duration { max(.milliseconds(timeoutMilliseconds), keepaliveRelease) }

    /// Whether a holder that demotes itself after `timeout` of silence is quiet before Postgres
    /// can free its lock.
    public func admits(timeout: Duration) -> Bool { timeout < effectiveRelease }

    /// Keepalive and `tcp_user_timeout` settings for every connection to the server.
    public var keepaliveParameters: [(name: String, value: String)] {
        [
            ("tcp_keepalives_idle", "\(keepalivesIdle)"),
            ("tcp_keepalives_interval", "\(keepalivesInterval)"),
            ("tcp_keepalives_count", "\(keepalivesCount)"),
            ("tcp_user_timeout", "\(timeoutMilliseconds)")
        ]
    }

    /// The lock session's settings: a frozen holder's session goes idle, so `idle_session_timeout`
    /// drops it (and its lock); `statement_timeout` bounds a query stuck on the server.
    public var lockSessionParameters: [(name: String, value: String)] {
        [("idle_session_timeout", "\(timeoutMilliseconds)")] + keepaliveParameters
            + [("statement_timeout", "\(timeoutMilliseconds)")]
    }

    /// Settings for pooled and LISTEN connections. `idleInTransaction` must be under
    /// `server_release`: a fenced transaction of a frozen or cut-off active holds `FOR KEY SHARE`
    /// on the leader row, which the next holder's epoch bump waits for; Postgres ends it then.
    public func connectionParameters(idleInTransaction: Duration) -> [(name: String, value: String)] {
        keepaliveParameters + [("idle_in_transaction_session_timeout", "\(max(Self.ceilMilliseconds(idleInTransaction), 1))")]
    }

    /// Whole milliseconds, rounded up (Postgres takes integers).
    static func ceilMilliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let perMillisecond: Int64 = 1_000_000_000_000_000
        return seconds * 1000 + attoseconds / perMillisecond + (attoseconds % perMillisecond > 0 ? 1 : 0)
    }
}
