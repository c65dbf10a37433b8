/// What a new fire does while a run of the same job is still active (TOML `overlap`).
public enum OverlapPolicy: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// Record the fire as skipped with reason `overlap`.
    case skip
    /// Queue the fire behind the active runs; it starts when they have finished.
    case queue
    /// Start it alongside the active runs.
    case allow
    /// Cancel the active runs, then start it.
    case replace

    /// How many fires `queue` keeps waiting at most; further fires are skipped (`overlap`) so a
    /// job slower than its schedule cannot grow an endless backlog.
    public static let defaultMaxQueued = 10

    /// A run of the job that has not finished.
    public struct ActiveRun<RunID: Hashable & Sendable>: Hashable, Sendable {
        public var id: RunID
        public var status: RunStatus

        public init(id: RunID, status: RunStatus) {
            self.id = id
            self.status = status
        }
    }

    public enum Action<RunID: Hashable & Sendable>: Hashable, Sendable {
        /// Nothing is in the way (or overlap is allowed): the new run may start now.
        case start
        /// Insert the new run as queued; it may only be claimed once no earlier run is active.
        case enqueue
        /// Insert the new run as skipped with this reason.
        case skip(SkipReason)
        /// Cancel these runs (running ones first), then start the new run.
        case cancelThenStart([RunID])
    }

    /// The decision for a new fire given the job's other runs; runs that are not active
    /// (a stale snapshot) are ignored.
    public func decide<RunID>(
        activeRuns: [ActiveRun<RunID>],
        maxQueued: Int = OverlapPolicy.defaultMaxQueued
    ) -> Action<RunID> {
        let active = activeRuns.filter { $0.status.isActive }
        guard !active.isEmpty else { return .start }
        switch self {
        case .skip:
            return .skip(.overlap)
        case .queue:
            let waiting = active.count { $0.status == .queued }
            return waiting >= maxQueued ? .skip(.overlap) : .enqueue
        case .allow:
            return .start
        case .replace:
            let running = active.filter { $0.status == .running }.map(\.id)
            let queued = active.filter { $0.status == .queued }.map(\.id)
            return .cancelThenStart(running + queued)
        }
    }

    public var description: String { rawValue }
}
