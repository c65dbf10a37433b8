import Foundation
import KJobCore
import KJobStore
import Logging
import ServiceLifecycle

/// Runs the leader-only workers (listener, materializer, executor, dispatcher, retention,
/// backlog sampler) while this node is active, and cancels them the moment the role changes.
///
/// Each activation is one task group bound to an epoch: a child waits for the role to leave
/// `.active(epoch)`, and each worker runs in its own supervised loop (``WorkerSupervision``):
/// a worker that fails restarts alone after a backoff (1 s doubling to 30 s) while the others,
/// and the executor's runs in flight, go on. The activation ends when the role changes or
/// shutdown begins, or when a worker finds the epoch stale; then every worker is cancelled and
/// awaited, counted in ``Leadership`` so a graceful release can wait for the drain.
public struct LeaderWorkService: Service {
    /// One unit of leader-only work; must return (or throw) promptly when cancelled.
    public typealias Worker = @Sendable (_ epoch: Int64) async throws -> Void

    public let leadership: Leadership
    public let workers: [(name: String, run: Worker)]
    /// Backoff between restarts of a worker that failed while still active.
    public var restart = WorkerSupervision.Policy()
    private let logger: Logger

    public init(leadership: Leadership, workers: [(name: String, run: Worker)], logger: Logger) {
        self.leadership = leadership
        self.workers = workers
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
    }

    func loop() async {
        while !Task.isCancelled, let epoch = await leadership.waitUntilActive() {
            let stale = await leadership.withWork { await activation(epoch: epoch) }
            // The epoch is gone: wait for the lease driver to notice rather than act under it again.
            if stale { await leadership.waitUntilNotActive(epoch: epoch) }
        }
    }

    /// Returns true when a worker found the epoch stale, false when the role changed or shutdown began.
    private func activation(epoch: Int64) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await leadership.waitUntilNotActive(epoch: epoch)
                return false
            }
            for worker in workers {
                group.addTask { await supervise(worker, epoch: epoch) }
            }
            // Supervisors return only when cancelled or on a stale epoch: the first child back ends the activation.
            let stale = await group.next() ?? false
            group.cancelAll()
            return stale
        }
    }

    /// Runs `worker` until the activation is cancelled, restarting it after failures; returns
    /// true when it found the epoch stale.
    private func supervise(_ worker: (name: String, run: Worker), epoch: Int64) async -> Bool {
        var logger = self.logger
        logger[metadataKey: "worker"] = "\(worker.name)"
        logger[metadataKey: "epoch"] = "\(epoch)"
        var supervision = WorkerSupervision(policy: restart)
        while true {
            let started = ContinuousClock.now
            let exit: WorkerSupervision.Exit
            var failure: (any Error)?
            do {
                try await worker.run(epoch)
                exit = Task.isCancelled ? .cancelled : .returned
            } catch let error as StaleEpochError {
                exit = .staleEpoch
                failure = error
            } catch {
                exit = Task.isCancelled ? .cancelled : .failed
                failure = error
            }
            switch supervision.workerEnded(exit, after: ContinuousClock.now - started) {
            case .stop:
                return false
            case .endActivation:
                logger.error("leader work stopped: the epoch is stale", metadata: ["error": "\(failure.map { "\($0)" } ?? "-")"])
                return true
            case .restart(let delay, let failures):
                logger.error(
                    "leader worker \(failure == nil ? "returned" : "failed"); restarting it alone",
                    metadata: [
                        "error": "\(failure.map { String(reflecting: $0) } ?? "-")", "restart_in": "\(delay)", "failures": "\(failures)"
                    ])
                do { try await Task.sleep(for: delay) } catch { return false }
            }
        }
    }
}
