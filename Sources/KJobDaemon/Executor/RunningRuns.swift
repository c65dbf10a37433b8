import Foundation
import KJobSandbox
import Synchronization

/// The runs this node is executing, from claim until their end is written (or given up), with
/// their kill handles; shared by the claim loop and the per-run tasks.
final class RunningRuns: Sendable {
    private struct Entry {
        var handle: RunHandle
        var cancelRequested = false
    }

    private let entries = Mutex<[UUID: Entry]>([:])

    var count: Int { entries.withLock { $0.count } }
    var ids: [UUID] { entries.withLock { Array($0.keys) } }

    func insert(_ id: UUID, handle: RunHandle) {
        entries.withLock { $0[id] = Entry(handle: handle) }
    }

    /// Whether an operator asked to cancel the run.
    func isCancelRequested(_ id: UUID) -> Bool {
        entries.withLock { $0[id]?.cancelRequested ?? false }
    }

    /// Stops tracking the run (its end is written, or given up).
    func remove(_ id: UUID) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }

    /// An operator's (or a `replace` overlap's) cancel: kills the run as `cancelled`.
    func cancel(_ id: UUID) {
        let handle = entries.withLock { entries -> RunHandle? in
            guard entries[id] != nil, entries[id]?.cancelRequested == false else { return nil }
            entries[id]?.cancelRequested = true
            return entries[id]?.handle
        }
        handle?.kill(.cancelled)
    }
}
