import Synchronization

/// At most `limit` holders at once. Callers beyond it are turned away (``tryAcquire()``) or wait,
/// first come first served, for a bounded time (``acquire(within:)``); a released slot goes
/// straight to the oldest waiter.
final class ConcurrencyLimit: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var inUse = 0
        var nextID: UInt64 = 0
        var waiters: [Waiter] = []
        /// Callers of ``acquire(within:)`` not answered yet.
        var live: Set<UInt64> = []
        /// Live callers given up (timeout, cancellation) before they started waiting.
        var abandoned: Set<UInt64> = []
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(limit, 1)
    }

    /// Slots taken now (for tests and metrics).
    var inUse: Int { state.withLock { $0.inUse } }

    /// Takes a slot if one is free.
    func tryAcquire() -> Bool {
        state.withLock { state in
            guard state.inUse < limit else { return false }
            state.inUse += 1
            return true
        }
    }

    /// Takes a slot, waiting up to `timeout` for one; false when none came free in time or the
    /// task was cancelled.
    func acquire(within timeout: Duration) async -> Bool {
        if tryAcquire() { return true }
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            state.live.insert(state.nextID)
            return state.nextID
        }
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await self.wait(id) }
            group.addTask {
                do { try await Task.sleep(for: timeout) } catch { return nil }
                self.abandon(id)
                return nil
            }
            var granted = false
            // The waiter always answers: granted, or false once abandoned.
            while let result = await group.next() {
                guard let result else { continue }
                granted = result
                group.cancelAll()
            }
            return granted
        }
    }

    /// Gives a slot back (to the oldest waiter, if any).
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if !state.waiters.isEmpty {
                let waiter = state.waiters.removeFirst()
                state.live.remove(waiter.id)
                return waiter.continuation
            }
            state.inUse = max(state.inUse - 1, 0)
            return nil
        }
        next?.resume(returning: true)
    }

    private func wait(_ id: UInt64) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer = state.withLock { state -> Bool? in
                    if state.abandoned.remove(id) != nil {
                        state.live.remove(id)
                        return false
                    }
                    if state.inUse < limit {
                        state.inUse += 1
                        state.live.remove(id)
                        return true
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            abandon(id)
        }
    }

    private func abandon(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                state.live.remove(id)
                return state.waiters.remove(at: index).continuation
            }
            // Not waiting yet: it answers false when it starts. Already answered: nothing to do.
            if state.live.contains(id) { state.abandoned.insert(id) }
            return nil
        }
        waiter?.resume(returning: false)
    }

    /// A held slot, given back when the permit is released from memory (a response body that is
    /// never written still frees its slot).
    final class Permit: Sendable {
        private let limit: ConcurrencyLimit
        init(_ limit: ConcurrencyLimit) { self.limit = limit }
        deinit { limit.release() }
    }

    /// A permit if a slot is free now.
    func tryPermit() -> Permit? {
        tryAcquire() ? Permit(self) : nil
    }
}
