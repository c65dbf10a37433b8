/// The node's current role, observed by everything that may only run on the active node.
///
/// The lease driver is the only writer. Leader-only work follows it: it starts when the role
/// becomes `.active(epoch)` and is cancelled the moment the role changes, and it registers
/// itself so a graceful release can wait until nothing acts under the old epoch any more.
public final class Leadership: Sendable {
    public enum Role: Sendable, Hashable, CustomStringConvertible {
        case standby
        case active(epoch: Int64)

        public var epoch: Int64? {
            if case .active(let epoch) = self { return epoch }
            return nil
        }

        public var description: String {
            switch self {
            case .standby: "standby"
            case .active(let epoch): "active(epoch \(epoch))"
            }
        }
    }

    public struct State: Sendable, Hashable {
        public var role: Role = .standby
        /// Leader-only work units still running (they may lag a demotion by their cancellation).
        public var runningWork: Int = 0
    }

    public let state = Observed(State())

    public init() {}

    public var role: Role { state.value.role }

    public func promote(epoch: Int64) {
        state.update { $0.role = .active(epoch: epoch) }
    }

    public func demote() {
        state.update { $0.role = .standby }
    }

    /// Waits until this node is active; nil when cancelled.
    public func waitUntilActive() async -> Int64? {
        await state.wait(until: { $0.role.epoch != nil })?.role.epoch
    }

    /// Returns when the role is no longer `.active(epoch)` (or the task is cancelled).
    public func waitUntilNotActive(epoch: Int64) async {
        _ = await state.wait(until: { $0.role != .active(epoch: epoch) })
    }

    /// Runs `body` as leader-only work, counted so ``waitUntilWorkStopped(deadline:)`` can see it.
    public func withWork<R>(_ body: () async throws -> R) async rethrows -> R {
        state.update { $0.runningWork += 1 }
        defer { state.update { $0.runningWork -= 1 } }
        return try await body()
    }

    /// Waits until no leader-only work is running, at most until `deadline`; true if it stopped.
    public func waitUntilWorkStopped(deadline: ContinuousClock.Instant) async -> Bool {
        while true {
            let (value, version) = state.snapshot
            if value.runningWork == 0 { return true }
            if ContinuousClock.now >= deadline || Task.isCancelled { return false }
            await state.waitForChange(after: version, until: deadline)
        }
    }
}
