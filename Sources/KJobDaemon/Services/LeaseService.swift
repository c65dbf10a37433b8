import Foundation
import KJobCore
import KJobMetrics
import KJobStore
import Logging
import ServiceLifecycle

/// Drives ``LeaseStateMachine`` against a dedicated ``LockSession`` and publishes the role to
/// ``Leadership``. Every query runs under the machine's deadline: when it passes, the session is
/// closed (failing the query) and the machine decides, so a hung server can never keep a node
/// active past `timeout`.
public final class LeaseService: Service {
    public struct Configuration: Sendable {
        /// Where the lock session connects: the URL's host, or its writable primary.
        public var connector: PrimaryConnector
        public var url: PostgresURL { connector.url }
        public var names: StoreNames
        public var session: LockSession.Settings
        public var machine: LeaseStateMachine<ContinuousClock.Instant>.Configuration
        /// Bound of the standby's random poll offset, as a fraction of `standbyPoll`.
        public var jitterFraction: Double = 0.2
        /// How long a graceful release waits for leader-only work to stop before unlocking.
        public var drainTimeout: Duration = .seconds(3)

        public init(
            url: PostgresURL, names: StoreNames, session: LockSession.Settings,
            machine: LeaseStateMachine<ContinuousClock.Instant>.Configuration
        ) {
            self.init(connector: PrimaryConnector(url: url), names: names, session: session, machine: machine)
        }

        public init(
            connector: PrimaryConnector, names: StoreNames, session: LockSession.Settings,
            machine: LeaseStateMachine<ContinuousClock.Instant>.Configuration
        ) {
            self.connector = connector
            self.names = names
            self.session = session
            self.machine = machine
        }
    }

    public let configuration: Configuration
    public let leadership: Leadership
    public let clock: DatabaseClock
    /// Leader state, epoch, takeovers, demotions and clock skew are recorded here.
    public let metrics: KJobMetrics
    /// Bumped by release NOTIFYs and shutdown; the driver's waits end early on a change.
    private let wake = Observed<UInt64>(0)
    private let shutdownRequested = Observed<Bool>(false)
    private let sessionRef = Observed<LockSession?>(nil)
    private let logger: Logger

    public init(configuration: Configuration, leadership: Leadership, clock: DatabaseClock, metrics: KJobMetrics? = nil, logger: Logger) {
        self.configuration = configuration
        self.leadership = leadership
        self.clock = clock
        self.metrics = metrics ?? KJobMetrics(nodeID: configuration.session.nodeID, version: "")
        var logger = logger
        logger[metadataKey: "node"] = "\(configuration.session.nodeID)"
        self.logger = logger
    }

    /// The current lock session (for tests and the nodes table).
    public var session: LockSession? { sessionRef.value }

    /// Ask the driver to release and stop (what graceful shutdown does).
    public func requestShutdown() {
        shutdownRequested.set(true)
        wake.update { $0 &+= 1 }
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await drive()
        } onGracefulShutdown: {
            self.requestShutdown()
        }
    }

    private struct Driver {
        var machine: LeaseStateMachine<ContinuousClock.Instant>
        var session: LockSession?
        var shutdownSent = false
        var releaseSeen: UInt64 = 0
    }

    func drive() async throws {
        var driver = Driver(machine: LeaseStateMachine(configuration: configuration.machine))
        defer {
            driver.session?.close()
            sessionRef.set(nil)
            if leadership.role != .standby { leadership.demote() }
            metrics.demoted(nil)
        }
        var pending = driver.machine.tick(now: .now)
        while !driver.machine.isStopped {
            // Cancellation (not graceful shutdown): stop at once; the defer drops the session,
            // and Postgres releases the lock with it.
            try Task.checkCancellation()
            if shutdownRequested.value, !driver.shutdownSent {
                driver.shutdownSent = true
                pending += driver.machine.shutdown(now: .now)
            }
            if pending.isEmpty {
                pending = driver.machine.tick(now: .now)
                if pending.isEmpty {
                    // Only happens mid-step; guard against a spin.
                    try await Task.sleep(for: .milliseconds(10))
                    continue
                }
            }
            let action = pending.removeFirst()
            pending += try await perform(action, driver: &driver)
        }
    }

    private func perform(_ action: LeaseAction<ContinuousClock.Instant>, driver: inout Driver) async throws -> [LeaseAction<ContinuousClock.Instant>] {
        switch action {
        case .wait(let until):
            let version = wake.value
            if driver.releaseSeen != version {
                driver.releaseSeen = version
                return driver.machine.releaseNotified(now: .now)
            }
            await wake.waitForChange(after: version, until: until)
            let now = ContinuousClock.now
            if wake.value != version {
                driver.releaseSeen = wake.value
                if shutdownRequested.value { return [] }
                logger.debug("release notification: trying to acquire now")
                return driver.machine.releaseNotified(now: now)
            }
            return driver.machine.tick(now: now)

        case .reconnect:
            driver.session?.close()
            driver.session = nil
            sessionRef.set(nil)
            do {
                let session = try await openSession()
                driver.session = session
                sessionRef.set(session)
                logger.debug("lock session open", metadata: ["backend_pid": "\(session.backendPID)"])
                return driver.machine.connected(now: .now)
            } catch {
                logger.warning("cannot open the lock session; retrying", metadata: ["error": "\(String(reflecting: error))"])
                return driver.machine.connectFailed(now: .now)
            }

        case .tryAcquire:
            guard let session = driver.session else { return driver.machine.connectionLost(now: .now) }
            let outcome = await bounded(by: driver.machine.deadline, session: session) { try await session.tryAcquire() }
            switch outcome {
            case .success(let (result, timing)):
                measured(timing)
                if case .backendChanged = result {
                    logger.error("refusing leadership: the lock session's backend changed; reconnecting", metadata: ["expected_pid": "\(session.backendPID)"])
                }
                let poll = configuration.machine.standbyPoll
                let spread = Double(poll.milliseconds) * configuration.jitterFraction
                let jitter = Duration.milliseconds(Int64(Double.random(in: -spread...spread)))
                return driver.machine.acquireResult(result, now: .now, jitter: jitter)
            case .failure(let error):
                logger.warning("lease acquisition failed; reconnecting", metadata: ["error": "\(String(reflecting: error))"])
                return driver.machine.connectionLost(now: .now)
            case .timedOut:
                logger.warning("lease acquisition timed out; reconnecting")
                return driver.machine.tick(now: .now)
            }

        case .sendHeartbeat:
            guard let session = driver.session, let epoch = driver.machine.epoch else { return driver.machine.heartbeatFailed(now: .now) }
            let sentAt = ContinuousClock.now
            let outcome = await bounded(by: driver.machine.deadline, session: session) { try await session.heartbeat(epoch: epoch) }
            switch outcome {
            case .success(let (proof, timing)):
                measured(timing)
                return driver.machine.heartbeatSucceeded(sentAt: sentAt, proof: proof, now: .now)
            case .failure(let error):
                logger.warning("heartbeat failed", metadata: ["error": "\(String(reflecting: error))", "epoch": "\(epoch)"])
                return driver.machine.heartbeatFailed(now: .now)
            case .timedOut:
                return driver.machine.tick(now: .now)
            }

        case .promote(let epoch):
            logger.notice("promoted: this node is active", metadata: ["epoch": "\(epoch)", "backend_pid": "\(driver.session?.backendPID ?? 0)"])
            leadership.promote(epoch: epoch)
            metrics.promoted(epoch: epoch)
            return []

        case .demote(let reason):
            leadership.demote()
            metrics.demoted(reason)
            if reason == .shutdown {
                logger.notice("stepping down for shutdown")
            } else {
                logger.error("demoted: this node stopped acting as active", metadata: ["reason": "\(reason)"])
            }
            return []

        case .release:
            let stopped = await leadership.waitUntilWorkStopped(deadline: .now.advanced(by: configuration.drainTimeout))
            if !stopped { logger.warning("leader-only work did not stop within the drain timeout; releasing anyway (its writes are fenced)") }
            guard let session = driver.session else { return driver.machine.connectionLost(now: .now) }
            do {
                try await session.release()
                logger.notice("lease released; standby notified")
                return driver.machine.released(now: .now)
            } catch {
                logger.warning("graceful release failed; closing the session (Postgres drops the lock)", metadata: ["error": "\(String(reflecting: error))"])
                session.close()
                driver.session = nil
                return driver.machine.connectionLost(now: .now)
            }

        case .stop:
            if let session = driver.session {
                await session.closeGracefully()
                driver.session = nil
                sessionRef.set(nil)
            }
            return []
        }
    }

    /// Corrects the clock by a lock-session query's timing and exports the skew.
    private func measured(_ timing: LockSession.Timing) {
        clock.record(databaseTime: timing.databaseTime, sent: timing.sent, received: timing.received)
        metrics.clockOffset(databaseMinusLocalMilliseconds: clock.offsetMilliseconds)
    }

    /// Opens the lock session within `connectTimeout` (connect and session setup together).
    private func openSession() async throws -> LockSession {
        let configuration = self.configuration
        let logger = self.logger
        let wake = self.wake
        return try await withThrowingTaskGroup(of: LockSession?.self) { group in
            group.addTask {
                try await LockSession.open(
                    connector: configuration.connector, names: configuration.names,
                    settings: configuration.session, logger: logger
                ) {
                    wake.update { $0 &+= 1 }
                }
            }
            group.addTask {
                try await Task.sleep(for: configuration.session.connectTimeout)
                return nil
            }
            if let first = try await group.next(), let session = first {
                group.cancelAll()
                return session
            }
            group.cancelAll()
            // Timed out: a session that still completes must not leak.
            while let late = try? await group.next() { late?.close() }
            throw LockSessionError(message: "opening the lock session took longer than \(DurationText.format(configuration.session.connectTimeout))")
        }
    }

    private enum Bounded<T: Sendable>: Sendable {
        case success(T)
        case failure(any Error)
        case timedOut
    }

    /// Runs `operation`; if `deadline` passes first, closes the session so it fails, and reports a timeout.
    private func bounded<T: Sendable>(
        by deadline: ContinuousClock.Instant?, session: LockSession,
        _ operation: @escaping @Sendable () async throws -> T
    ) async -> Bounded<T> {
        await withTaskGroup(of: Bounded<T>?.self) { group in
            group.addTask {
                do { return .success(try await operation()) } catch { return .failure(error) }
            }
            if let deadline {
                group.addTask {
                    do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return nil }
                    return .timedOut
                }
            }
            var outcome: Bounded<T> = .timedOut
            if let first = await group.next(), let first {
                outcome = first
            }
            if case .timedOut = outcome { session.close() }
            group.cancelAll()
            // Wait for the operation to finish failing so the session is not used concurrently.
            while await group.next() != nil {}
            return outcome
        }
    }
}
