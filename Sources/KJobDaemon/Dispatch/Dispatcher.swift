import Foundation
import KJobCore
import KJobMetrics
import KJobRelay
import KJobStore
import Logging

/// Leader-only outbox worker (DESIGN §9): claims due `pending` dispatches (woken by
/// `<schema>_dispatches` NOTIFY, else every `pollInterval`, and at the earliest retry time), makes
/// one relay attempt each, and writes ``DeliveryPolicy``'s decision back under the same epoch.
///
/// The relay client is made per activation from `[relay]`, so a fixed CA file or token takes
/// effect on the next takeover or worker restart.
public struct Dispatcher: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Dispatches attempted at once.
        public var batchSize: Int = 8
        /// Claim poll interval when no NOTIFY arrives (missed notifications, retries coming due).
        public var pollInterval: Duration = .seconds(1)
        /// Backoff and `max_age`; `maxAge` comes from `relay.max_age`.
        public var policy = DeliveryPolicy()
        public init() {}
    }

    public let configuration: Configuration
    public let relay: RelayConfiguration
    public let queue: DispatchOutbox
    /// Bumped by dispatch NOTIFYs.
    public let wake: Observed<UInt64>
    public let now: @Sendable () -> Date
    /// Attempts by outcome and failures by cause are recorded here.
    public let metrics: KJobMetrics
    private let logger: Logger

    public init(
        configuration: Configuration, relay: RelayConfiguration, queue: DispatchOutbox, wake: Observed<UInt64>,
        now: @escaping @Sendable () -> Date, metrics: KJobMetrics? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.metrics = metrics ?? KJobMetrics(nodeID: "", version: "")
        self.relay = relay
        self.queue = queue
        self.wake = wake
        self.now = now
        self.logger = logger
    }

    /// A claimed row stays unclaimable this long: one attempt's `relay.timeout` plus a margin for
    /// the write-back. Also how long a new active may wait for rows the old one had in flight.
    var hold: Duration { relay.timeout + .seconds(5) }

    /// Runs until cancelled (demotion, shutdown) or the epoch turns out stale (throws).
    public func run(epoch: Int64) async throws {
        let client = try RelayClient(configuration: relay, logger: logger)
        logger.info("dispatcher started", metadata: ["epoch": "\(epoch)", "relay": "\(relay.url)"])
        do {
            try await loop(client: client, epoch: epoch)
        } catch {
            try? await client.shutdown()
            logger.info("dispatcher stopped", metadata: ["epoch": "\(epoch)"])
            throw error
        }
        try? await client.shutdown()
        logger.info("dispatcher stopped", metadata: ["epoch": "\(epoch)"])
    }

    func loop(client: RelayClient, epoch: Int64) async throws {
        while !Task.isCancelled {
            let version = wake.snapshot.version
            var full = false
            var wait = configuration.pollInterval
            do {
                let due = try await queue.claimDue(epoch: epoch, limit: configuration.batchSize, now: now(), hold: hold)
                full = due.count == configuration.batchSize
                try await withThrowingDiscardingTaskGroup { group in
                    for dispatch in due {
                        group.addTask { try await self.attempt(dispatch, client: client, epoch: epoch) }
                    }
                }
                if !full, let next = try await queue.nextAttemptAt() {
                    let until = next.timeIntervalSince(now())
                    wait = min(wait, .milliseconds(Int64(max(0, until) * 1000)))
                }
            } catch let error as StaleEpochError {
                throw error
            } catch {
                if Task.isCancelled { break }
                logger.warning("dispatch failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
            }
            if full { continue }
            await wake.waitForChange(after: version, until: .now.advanced(by: wait))
        }
    }

    /// One attempt and its recorded outcome. Throws only ``StaleEpochError`` and database errors.
    func attempt(_ due: DueDispatch, client: RelayClient, epoch: Int64) async throws {
        var logger = self.logger
        logger[metadataKey: "dispatch"] = "\(due.id)"
        logger[metadataKey: "run"] = "\(due.runID)"
        let outcome: DispatchOutcome
        let attempt = due.attempts + 1
        do {
            let payload = try DispatchPayload.decode(fromJSON: Data(due.payload.utf8))
            let dispatch = Dispatch(id: due.id.uuidString.lowercased(), payload: payload)
            let result = await client.deliver(dispatch, now: now())
            var rng = SystemRandomNumberGenerator()
            let decision = configuration.policy.decide(result, attempt: attempt, firstAttemptAt: due.firstAttemptAt, now: now(), using: &rng)
            metrics.dispatchAttempted(decision, result: result)
            outcome = Self.outcome(decision, result: result)
        } catch {
            metrics.dispatchAttempted(.failed, failure: .invalid)
            outcome = DispatchOutcome(
                status: .failed,
                lastError: "the stored payload is not a relay dispatch: \(error)")
        }
        try await queue.record(due.id, outcome, epoch: epoch)
        switch outcome.status {
        case .delivered:
            logger.info("dispatch delivered", metadata: ["attempt": "\(attempt)", "channel": "\(due.channel)"])
        case .pending:
            logger.info(
                "dispatch will be retried",
                metadata: [
                    "attempt": "\(attempt)", "next_attempt_at": "\(outcome.nextAttemptAt.map { "\($0)" } ?? "-")",
                    "error": "\(outcome.lastError ?? "")"
                ])
        default:
            logger.warning("dispatch \(outcome.status)", metadata: ["attempt": "\(attempt)", "error": "\(outcome.lastError ?? "")"])
        }
    }

    /// The outbox row's new state for a decision.
    static func outcome(_ decision: DispatchDecision, result: DeliveryResult) -> DispatchOutcome {
        var httpStatus: Int?
        if case .response(let status, _, _) = result { httpStatus = status }
        let state = decision.state
        switch decision {
        case .delivered(let at):
            return DispatchOutcome(status: state, lastHTTPStatus: httpStatus, deliveredAt: at)
        case .retry(let at, let lastError):
            return DispatchOutcome(status: state, nextAttemptAt: at, lastError: lastError, lastHTTPStatus: httpStatus)
        case .failed(let reason), .dead(let reason):
            return DispatchOutcome(status: state, lastError: reason, lastHTTPStatus: httpStatus)
        }
    }
}
