/// The leader-lease decisions of DESIGN §6, with no I/O: events in, actions out, time injected.
///
/// The driver calls ``tick(now:)`` whenever it wakes and feeds the results of the actions it ran
/// back as events. Safety rule: the active demotes itself when no heartbeat has succeeded for
/// `timeout`, measured from the *send* time of the last successful one, so a reply that arrives
/// late can never extend leadership.
public struct LeaseStateMachine<Instant: InstantProtocol & Sendable>: Sendable where Instant.Duration == Duration {
    public struct Configuration: Sendable, Hashable {
        /// Interval between heartbeats while active.
        public var heartbeat: Duration
        /// Self-demotion when no heartbeat succeeded for this long.
        public var timeout: Duration
        /// Interval between acquisition attempts while standby.
        public var standbyPoll: Duration
        /// Pause before reconnecting after a failed connection attempt.
        public var reconnectDelay: Duration

        public init(
            heartbeat: Duration = .seconds(1), timeout: Duration = .seconds(4),
            standbyPoll: Duration = .milliseconds(500), reconnectDelay: Duration = .milliseconds(500)
        ) {
            self.heartbeat = heartbeat
            self.timeout = timeout
            self.standbyPoll = standbyPoll
            self.reconnectDelay = reconnectDelay
        }
    }

    public typealias Action = LeaseAction<Instant>

    enum State: Sendable, Hashable {
        case disconnected(retryAt: Instant?)
        case connecting
        case standby(nextPollAt: Instant)
        case acquiring(sentAt: Instant)
        case leading(Leading)
        case releasing
        case stopped
    }

    struct Leading: Sendable, Hashable {
        var epoch: Int64
        /// Send time of the last heartbeat (or acquisition) that proved the lock.
        var lastProvenSentAt: Instant
        /// Send time of the heartbeat in flight, if any.
        var inFlightSentAt: Instant?
        var nextHeartbeatAt: Instant
    }

    public let configuration: Configuration
    private(set) var state: State = .disconnected(retryAt: nil)
    private var shutdownRequested = false
    /// After losing the lease, wait this long before contending again so the standby wins.
    private var backoffUntil: Instant?

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The epoch while active, nil otherwise.
    public var epoch: Int64? {
        if case .leading(let leading) = state { return leading.epoch }
        return nil
    }

    public var isStopped: Bool { state == .stopped }

    /// The instant by which the driver must call ``tick(now:)`` again, even if nothing happens.
    /// While a query runs, this bounds it: past it the driver closes the session and ticks.
    public var deadline: Instant? {
        switch state {
        case .disconnected(let retryAt): return retryAt
        case .connecting, .releasing, .stopped: return nil
        case .standby(let nextPollAt): return nextPollAt
        case .acquiring(let sentAt): return sentAt.advanced(by: configuration.timeout)
        case .leading(let leading):
            let demoteAt = leading.lastProvenSentAt.advanced(by: configuration.timeout)
            if leading.inFlightSentAt == nil { return min(demoteAt, leading.nextHeartbeatAt) }
            return demoteAt
        }
    }

    /// A demotion (other than for shutdown): back off two poll intervals before contending again.
    private mutating func demoted(_ reason: LeaseDemotionReason, now: Instant) -> Action {
        backoffUntil = now.advanced(by: configuration.standbyPoll * 2)
        return .demote(reason: reason)
    }

    // MARK: - Events

    public mutating func tick(now: Instant) -> [Action] {
        switch state {
        case .disconnected(let retryAt):
            if let retryAt, now < retryAt { return [.wait(until: retryAt)] }
            state = .connecting
            return [.reconnect]
        case .connecting, .releasing, .stopped:
            return []
        case .standby(let nextPollAt):
            guard now >= nextPollAt else { return [.wait(until: nextPollAt)] }
            state = .acquiring(sentAt: now)
            return [.tryAcquire]
        case .acquiring(let sentAt):
            guard now >= sentAt.advanced(by: configuration.timeout) else {
                return [.wait(until: sentAt.advanced(by: configuration.timeout))]
            }
            // The attempt hung: whatever the server decided, closing the session undoes it.
            state = .connecting
            return [.reconnect]
        case .leading(var leading):
            let demoteAt = leading.lastProvenSentAt.advanced(by: configuration.timeout)
            if now >= demoteAt {
                state = .connecting
                return [demoted(.heartbeatTimeout, now: now), .reconnect]
            }
            if leading.inFlightSentAt == nil, now >= leading.nextHeartbeatAt {
                leading.inFlightSentAt = now
                state = .leading(leading)
                return [.sendHeartbeat]
            }
            return [.wait(until: deadline ?? demoteAt)]
        }
    }

    /// The lock session is open.
    public mutating func connected(now: Instant) -> [Action] {
        guard state == .connecting else { return [] }
        if shutdownRequested {
            state = .stopped
            return [.stop]
        }
        if let backoffUntil, backoffUntil > now {
            state = .standby(nextPollAt: backoffUntil)
            return [.wait(until: backoffUntil)]
        }
        state = .standby(nextPollAt: now)
        return tick(now: now)
    }

    /// Opening the lock session failed.
    public mutating func connectFailed(now: Instant) -> [Action] {
        guard state == .connecting else { return [] }
        if shutdownRequested {
            state = .stopped
            return [.stop]
        }
        state = .disconnected(retryAt: now.advanced(by: configuration.reconnectDelay))
        return [.wait(until: now.advanced(by: configuration.reconnectDelay))]
    }

    /// The answer to ``LeaseAction/tryAcquire``; `jitter` spreads the standby's next poll.
    public mutating func acquireResult(_ result: LeaseAcquireResult, now: Instant, jitter: Duration = .zero) -> [Action] {
        guard case .acquiring(let sentAt) = state else { return [] }
        switch result {
        case .acquired(let epoch):
            if shutdownRequested || now >= sentAt.advanced(by: configuration.timeout) {
                // Too late to be trusted (or we are leaving): give it back without acting.
                state = .releasing
                return [.release]
            }
            state = .leading(
                Leading(
                    epoch: epoch, lastProvenSentAt: sentAt, inFlightSentAt: nil,
                    nextHeartbeatAt: sentAt.advanced(by: configuration.heartbeat)))
            return [.promote(epoch: epoch)] + tick(now: now)
        case .notAcquired:
            if shutdownRequested {
                state = .stopped
                return [.stop]
            }
            let next = now.advanced(by: configuration.standbyPoll + jitter)
            state = .standby(nextPollAt: next)
            return [.wait(until: next)]
        case .backendChanged:
            state = .connecting
            return [.reconnect]
        }
    }

    /// A successful heartbeat query sent at `sentAt`.
    public mutating func heartbeatSucceeded(sentAt: Instant, proof: LeaseHeartbeatProof, now: Instant) -> [Action] {
        guard case .leading(var leading) = state else { return [] }
        // Judge the deadline from before this reply: a late reply does not rescue a lapsed lease.
        if now >= leading.lastProvenSentAt.advanced(by: configuration.timeout) {
            return tick(now: now)
        }
        switch proof {
        case .held:
            if sentAt > leading.lastProvenSentAt { leading.lastProvenSentAt = sentAt }
            leading.inFlightSentAt = nil
            leading.nextHeartbeatAt = sentAt.advanced(by: configuration.heartbeat)
            state = .leading(leading)
            return tick(now: now)
        case .notHeld:
            state = .connecting
            return [demoted(.lockNotHeld, now: now), .reconnect]
        case .backendChanged:
            state = .connecting
            return [demoted(.backendChanged, now: now), .reconnect]
        }
    }

    /// The heartbeat query failed (error, or the driver gave up on it).
    public mutating func heartbeatFailed(now: Instant) -> [Action] {
        guard case .leading = state else { return [] }
        state = .connecting
        return [demoted(.heartbeatFailed, now: now), .reconnect]
    }

    /// A release NOTIFY arrived: a standby tries at once instead of waiting for its poll.
    public mutating func releaseNotified(now: Instant) -> [Action] {
        guard case .standby = state else { return [] }
        state = .standby(nextPollAt: now)
        return tick(now: now)
    }

    /// The lock session closed under us.
    public mutating func connectionLost(now: Instant) -> [Action] {
        switch state {
        case .leading:
            state = .disconnected(retryAt: now.advanced(by: configuration.reconnectDelay))
            if shutdownRequested {
                state = .stopped
                return [.demote(reason: .connectionLost), .stop]
            }
            return [demoted(.connectionLost, now: now), .wait(until: now.advanced(by: configuration.reconnectDelay))]
        case .stopped:
            return []
        case .releasing:
            state = .stopped
            return [.stop]
        default:
            if shutdownRequested {
                state = .stopped
                return [.stop]
            }
            state = .disconnected(retryAt: now.advanced(by: configuration.reconnectDelay))
            return [.wait(until: now.advanced(by: configuration.reconnectDelay))]
        }
    }

    /// Graceful shutdown requested (SIGTERM).
    public mutating func shutdown(now: Instant) -> [Action] {
        shutdownRequested = true
        switch state {
        case .leading:
            state = .releasing
            return [.demote(reason: .shutdown), .release]
        case .acquiring, .connecting, .releasing:
            // Finish the step in flight; its result event sees `shutdownRequested`.
            return []
        case .stopped:
            return []
        case .disconnected, .standby:
            state = .stopped
            return [.stop]
        }
    }

    /// The lock was released after ``LeaseAction/release``.
    public mutating func released(now: Instant) -> [Action] {
        guard state == .releasing else { return [] }
        if shutdownRequested {
            state = .stopped
            return [.stop]
        }
        state = .standby(nextPollAt: now.advanced(by: configuration.standbyPoll))
        return [.wait(until: now.advanced(by: configuration.standbyPoll))]
    }
}
