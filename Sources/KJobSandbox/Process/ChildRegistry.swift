import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The children kjobd spawned itself, so that reaping adopted orphans (kjobd is a child subreaper
/// without cgroups) never steals the exit status of a run's main process.
enum ChildRegistry {
    private static let spawned = Mutex<Set<Int32>>([])

    /// Runs `spawn` under the registry lock and records the pid it returns.
    static func spawn(_ spawn: () -> Int32?) -> Int32? {
        spawned.withLock { set in
            let pid = spawn()
            if let pid { set.insert(pid) }
            return pid
        }
    }

    static func reaped(_ pid: Int32) {
        _ = spawned.withLock { $0.remove(pid) }
    }

    /// Collects the zombies of adopted orphans: processes a run's tree saw (`candidates`) or that
    /// stayed in a run's session (`sessions`: its root pid, which the kernel does not hand out
    /// again while the session lives). Children this process started by other means (Foundation's
    /// Process, a test harness) keep their exit status for whoever waits on them. Returns how many
    /// were reaped.
    @discardableResult
    static func reapAdoptedOrphans(among candidates: Set<Int32>, sessions: Set<Int32> = []) -> Int {
        guard !candidates.isEmpty || !sessions.isEmpty, hasZombieChild() else { return 0 }
        let own = getpid()
        return spawned.withLock { set in
            var count = 0
            for entry in SystemFiles.processTable()
            where entry.ppid == own && entry.zombie && !set.contains(entry.pid)
                && (candidates.contains(entry.pid) || sessions.contains(entry.session))
            {
                var status: Int32 = 0
                if waitpid(entry.pid, &status, WNOHANG) == entry.pid { count += 1 }
            }
            return count
        }
    }

    /// Whether any child of this process is a zombie, reaping none (`WNOWAIT`). The /proc scan
    /// above costs milliseconds and holds the spawn lock; after most runs there is nothing to reap.
    static func hasZombieChild() -> Bool {
        var info = siginfo_t()
        // ECHILD (no children at all) fails; with none exited yet Linux leaves si_signo 0.
        return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_signo != 0
    }
}
