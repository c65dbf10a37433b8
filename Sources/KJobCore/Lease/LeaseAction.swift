/// What the lease driver must do next; returned by ``LeaseStateMachine``.
public enum LeaseAction<Instant: InstantProtocol>: Sendable, Hashable where Instant: Sendable {
    /// Drop the current lock session (if any) and open a fresh one; report `connected`/`connectFailed`.
    case reconnect
    /// Run `pg_try_advisory_lock` on the lock session (only ever when the lock is not held).
    case tryAcquire
    /// Run the heartbeat query (proves the lock via pg_locks, measures clock offset).
    case sendHeartbeat
    /// This node is now the active one, fencing its writes with `epoch`.
    case promote(epoch: Int64)
    /// Stop all active work at once.
    case demote(reason: LeaseDemotionReason)
    /// Unlock and notify the standby (graceful handover), then report `released`.
    case release
    /// Nothing to do before this instant (unless a notification or shutdown arrives).
    case wait(until: Instant)
    /// Shutdown complete: close the session and return.
    case stop
}

/// Why a node stopped being the active one.
public enum LeaseDemotionReason: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// No heartbeat succeeded for `timeout`, measured from the send time of the last good one.
    case heartbeatTimeout = "heartbeat-timeout"
    /// A heartbeat query failed; the lock session can no longer prove anything.
    case heartbeatFailed = "heartbeat-failed"
    /// pg_locks says this backend no longer holds the lock (or the epoch moved on).
    case lockNotHeld = "lock-not-held"
    /// The backend behind the lock session changed (a pooler swapped it, or a silent reconnect).
    case backendChanged = "backend-changed"
    /// The lock session's connection closed.
    case connectionLost = "connection-lost"
    /// Graceful shutdown.
    case shutdown = "shutdown"

    public var description: String { rawValue }
}

/// What `pg_try_advisory_lock` answered.
public enum LeaseAcquireResult: Sendable, Hashable {
    /// Locked, and the epoch in `kjob.leader` was bumped to this value in the same session.
    case acquired(epoch: Int64)
    /// Another session holds the lock, or a previous holder's fenced transactions still hold the
    /// leader row past the bump's wait (the lock was given back; the next poll tries again).
    case notAcquired
    /// The query ran on a different backend than the one the session was opened on; nothing was tried.
    case backendChanged
}

/// What a successful heartbeat query proved.
public enum LeaseHeartbeatProof: Sendable, Hashable {
    /// pg_locks shows this backend holding the lock and the epoch is still ours.
    case held
    /// The query ran, but this backend does not hold the lock (or the epoch moved on).
    case notHeld
    /// The query ran on another backend than the session's own.
    case backendChanged
}
