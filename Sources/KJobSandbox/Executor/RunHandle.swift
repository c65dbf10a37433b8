import Foundation
import Synchronization

/// Lets the daemon kill a run from outside (demotion, an operator's cancel) while `run` is awaited.
/// The first reason wins; later requests change nothing.
public final class RunHandle: Sendable {
    private let state = Mutex<State>(State())
    private let requests: AsyncStream<KillRequest>
    private let continuation: AsyncStream<KillRequest>.Continuation
    private let onSpawn: (@Sendable (_ spawnedAt: Date, _ setup: Duration) -> Void)?

    enum KillRequest: Sendable, Hashable {
        case kill(KillReason)
        /// The main process ended: clean up what is left of the tree.
        case cleanup
    }

    struct State {
        var reason: KillReason?
        var mainExited = false
    }

    /// `onSpawn` is called once the run's main process is running, with the wall time it started
    /// and how long setup and spawn took since `SandboxExecutor.run` was called (for metrics).
    public init(onSpawn: (@Sendable (_ spawnedAt: Date, _ setup: Duration) -> Void)? = nil) {
        (requests, continuation) = AsyncStream.makeStream(of: KillRequest.self)
        self.onSpawn = onSpawn
    }

    /// Kills the run's whole tree: SIGTERM, then SIGKILL after `kill_grace`.
    public func kill(_ reason: KillReason) {
        let accepted = state.withLock { state -> Bool in
            guard state.reason == nil, !state.mainExited else { return false }
            state.reason = reason
            return true
        }
        if accepted { continuation.yield(.kill(reason)) }
    }

    public var reason: KillReason? { state.withLock { $0.reason } }

    func spawned(at date: Date, setup: Duration) {
        onSpawn?(date, setup)
    }

    func mainExited() {
        state.withLock { $0.mainExited = true }
        continuation.yield(.cleanup)
    }

    /// The first request, or `nil` when the waiting task is cancelled.
    func nextRequest() async -> KillRequest? {
        for await request in requests { return request }
        return nil
    }
}
