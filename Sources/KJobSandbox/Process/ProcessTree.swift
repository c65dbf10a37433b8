import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Every process of one run, for signalling and killing as a whole.
///
/// With a cgroup: its member list and `cgroup.kill`. Without: the session/process group of the
/// root (it called setsid) plus descendants found in /proc, every process seen in earlier sweeps,
/// and any process whose environment carries this run's `KJOB_RUN_ID` (double-forked orphans; the
/// daemon is a child subreaper so it can reap them).
public final class ProcessTree: Sendable {
    public let cgroup: RunCgroup?
    private let marker: [UInt8]
    private let state = Mutex(State())

    struct State {
        var root: Int32 = 0
        var rootExited = false
        var known: [Int32: UInt64] = [:]
    }

    public init(cgroup: RunCgroup?, runID: String? = nil) {
        self.cgroup = cgroup
        self.marker = runID.map { Array("KJOB_RUN_ID=\($0)".utf8) + [0] } ?? []
    }

    func started(root: Int32) {
        state.withLock { $0.root = root }
        refresh()
    }

    func rootExited() {
        state.withLock { $0.rootExited = true }
    }

    /// Records the current members (without a cgroup; cheap no-op with one).
    func refresh() {
        guard cgroup == nil else { return }
        _ = sweep(readEnvironments: false)
    }

    private func sweep(readEnvironments: Bool = true) -> [Int32] {
        let (root, known) = state.withLock { ($0.root, $0.known) }
        guard root > 0 else { return [] }
        let table = SystemFiles.processTable()
        var marked: Set<Int32> = []
        if readEnvironments, !marker.isEmpty {
            let own = getpid()
            for entry in table where !entry.zombie && entry.pid != own && known[entry.pid] == nil {
                if SystemFiles.environmentContains(pid: entry.pid, marker) { marked.insert(entry.pid) }
            }
        }
        let found = ProcSweep.members(of: root, in: table, known: known, marked: marked)
        state.withLock { state in
            for entry in found { state.known[entry.pid] = entry.startTime }
        }
        return found.map(\.pid)
    }

    /// Live processes of the run (zombies of already-reaped processes aside).
    /// The root counts until it is reaped, also with a cgroup: the helper joins the cgroup a moment
    /// after posix_spawn returns, and a kill in that moment must not find the run "empty".
    public func members() -> [Int32] {
        let (root, rootExited) = state.withLock { ($0.root, $0.rootExited) }
        if let cgroup {
            let pids = cgroup.members()
            return root > 0 && !rootExited && !pids.contains(root) ? pids + [root] : pids
        }
        return sweep().filter { $0 != root || !rootExited }
    }

    public var isEmpty: Bool { members().isEmpty }

    public func signal(_ signal: Int32) {
        let (root, rootExited) = state.withLock { ($0.root, $0.rootExited) }
        if root > 0 {
            kill(-root, signal)
            if !rootExited { kill(root, signal) }
        }
        if let cgroup {
            cgroup.signal(signal)
        } else {
            for pid in members() where pid != root { kill(pid, signal) }
        }
    }

    public func killAll() {
        if let cgroup {
            cgroup.killAll()
            let (root, rootExited) = state.withLock { ($0.root, $0.rootExited) }
            if root > 0, !rootExited { kill(root, SIGKILL) }
            return
        }
        for _ in 0..<20 {
            signal(SIGKILL)
            reapAdopted()
            if members().isEmpty { return }
        }
    }

    /// The daemon is a child subreaper: collect the zombies of this run's orphans it adopted
    /// (processes this tree saw or that stayed in the run's session, never another child of the
    /// daemon). With a cgroup too: a killed fork bomb leaves dozens of them.
    func reapAdopted() {
        let (known, root) = state.withLock { state in (Set(state.known.keys).subtracting([state.root]), state.root) }
        ChildRegistry.reapAdoptedOrphans(among: known, sessions: root > 0 ? [root] : [])
    }
}
