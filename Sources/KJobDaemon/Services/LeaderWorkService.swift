import Foundation
import KJobCore
import KJobStore
import Logging
import ServiceLifecycle

/// Runs the leader-only work (materializer now; claims, executor and dispatcher plug in here)
/// while this node is active, and cancels it the moment the role changes.
///
/// Each activation is one task group bound to an epoch: a child waits for the role to leave
/// `.active(epoch)`; when it returns, the group cancels every worker and waits for them, counted
/// in ``Leadership`` so a graceful release can wait for the drain.
public struct LeaderWorkService: Service {
    /// One unit of leader-only work; must return (or throw) promptly when cancelled.
    public typealias Worker = @Sendable (_ epoch: Int64) async throws -> Void

    public let leadership: Leadership
    public let workers: [(name: String, run: Worker)]
    /// Pause before restarting workers that failed while still active.
    public var restartDelay: Duration = .seconds(1)
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
            let failed = await leadership.withWork { await activation(epoch: epoch) }
            if failed, leadership.role == .active(epoch: epoch) {
                try? await Task.sleep(for: restartDelay)
            }
        }
    }

    /// Returns true when a worker ended on its own (an error) rather than by a role change.
    private func activation(epoch: Int64) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await leadership.waitUntilNotActive(epoch: epoch)
                return false
            }
            for worker in workers {
                let logger = self.logger
                group.addTask {
                    do {
                        try await worker.run(epoch)
                    } catch is CancellationError {
                        return false
                    } catch let error as StaleEpochError {
                        logger.error("leader work stopped: epoch is stale", metadata: ["worker": "\(worker.name)", "error": "\(error)"])
                    } catch {
                        if Task.isCancelled { return false }
                        logger.error("leader work failed; restarting", metadata: ["worker": "\(worker.name)", "error": "\(String(reflecting: error))"])
                    }
                    return true
                }
            }
            let failed = await group.next() ?? false
            group.cancelAll()
            return failed
        }
    }
}
