import Synchronization

/// A value that tasks can wait on: readers await a predicate, writers wake them all.
///
/// Used for leadership (workers follow the role) and as a wake-up signal (a counter bumped by
/// notifications). Waiting is cancellable and never polls.
public final class Observed<Value: Sendable>: Sendable {
    struct State {
        var value: Value
        var version: UInt64 = 0
        var nextWaiterID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<UInt64> = []
    }

    private let state: Mutex<State>

    public init(_ value: Value) {
        state = Mutex(State(value: value))
    }

    public var value: Value { state.withLock { $0.value } }

    /// The value and a version that increases with every change.
    public var snapshot: (value: Value, version: UInt64) { state.withLock { ($0.value, $0.version) } }

    /// Replaces the value and wakes every waiter.
    public func set(_ value: Value) {
        update { $0 = value }
    }

    /// Changes the value in place under the lock and wakes every waiter; returns the closure's result.
    @discardableResult
    public func update<R>(_ body: (inout Value) -> R) -> R {
        let (result, waiters) = state.withLock { state -> (R, [CheckedContinuation<Void, Never>]) in
            let result = body(&state.value)
            state.version &+= 1
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return (result, waiters)
        }
        for waiter in waiters { waiter.resume() }
        return result
    }

    /// Returns once the version differs from `version`, or the task is cancelled.
    public func waitForChange(after version: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID &+= 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.version != version || state.cancelled.contains(id) { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.resume()
        }
        state.withLock { _ = $0.cancelled.remove(id) }
    }

    /// Like ``waitForChange(after:)`` but gives up at `deadline`.
    public func waitForChange(after version: UInt64, until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForChange(after: version) }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Waits until `predicate` holds and returns the value then; nil if the task was cancelled.
    public func wait(until predicate: (Value) -> Bool) async -> Value? {
        while true {
            if Task.isCancelled { return nil }
            let (value, version) = snapshot
            if predicate(value) { return value }
            await waitForChange(after: version)
        }
    }
}
