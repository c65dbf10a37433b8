import KJobCore

extension DaemonConfig.LeaseConfig {
    /// What Postgres is told to do with silent sessions, and when it really does it.
    public var release: ServerRelease { ServerRelease(serverRelease) }

    /// Session settings of pooled and LISTEN connections: keepalives, and an end to fenced
    /// transactions left open by a frozen or cut-off active. kjobd's transactions wait on nothing
    /// but the database, so one idle for `timeout` (the self-demotion limit) belongs to a stalled
    /// node; Postgres ends it there, under `server_release`, so the leader row is free for the
    /// next holder's epoch bump by the time the old lock is released.
    public var connectionParameters: [(String, String)] {
        release.connectionParameters(idleInTransaction: timeout).map { ($0.name, $0.value) }
    }

    /// How long the next holder's epoch bump waits for fenced transactions in flight.
    public var fenceWait: Duration { min(.milliseconds(500), timeout / 3) }
}

extension DaemonConfig {
    /// `timeout` against what Postgres really does with a silent lock holder (``ServerRelease``),
    /// not against the configured number.
    func validateRelease() throws(DaemonConfigError) {
        guard lease.serverRelease >= ServerRelease.minimum else {
            throw DaemonConfigError(
                location: "lease.server_release",
                message:
                    "server_release (\(DurationText.format(lease.serverRelease))) must be at least 1s: Postgres keepalive settings count whole seconds; e.g. \"6s\""
            )
        }
        let release = lease.release
        guard release.admits(timeout: lease.timeout) else {
            let timeout = DurationText.format(lease.timeout)
            let effective = DurationText.format(release.effectiveRelease)
            throw DaemonConfigError(
                location: "lease.timeout",
                message:
                    "timeout (\(timeout)) must be shorter than the effective server release (\(effective): idle_session_timeout and tcp_user_timeout \(release.timeoutMilliseconds)ms, keepalives \(release.keepalivesIdle)s + \(release.keepalivesCount) × \(release.keepalivesInterval)s) so the old active demotes itself before Postgres can free its lock; lower lease.timeout below \(effective) or raise lease.server_release above \(timeout)"
            )
        }
    }
}
