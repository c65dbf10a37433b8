/// Finding a run's processes without cgroups: by process group, session, and parent chain. Pure.
public enum ProcSweep {
    public struct Entry: Sendable, Hashable {
        public var pid: Int32
        public var ppid: Int32
        public var pgrp: Int32
        public var session: Int32
        /// Start time in clock ticks since boot; tells a reused pid from the one we saw.
        public var startTime: UInt64
        /// Exited, not yet reaped: nothing to signal.
        public var zombie: Bool

        public init(pid: Int32, ppid: Int32, pgrp: Int32, session: Int32, startTime: UInt64, zombie: Bool = false) {
            self.zombie = zombie
            self.pid = pid
            self.ppid = ppid
            self.pgrp = pgrp
            self.session = session
            self.startTime = startTime
        }
    }

    /// Parses `/proc/<pid>/stat`; the command name may hold spaces and parentheses.
    public static func parseStat(_ text: String) -> Entry? {
        guard let close = text.lastIndex(of: ")"), let pid = Int32(text.prefix(while: { $0 != " " })) else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ")
        // rest[0] = state, [1] ppid, [2] pgrp, [3] session, ... [19] starttime
        guard rest.count > 19, let ppid = Int32(rest[1]), let pgrp = Int32(rest[2]), let session = Int32(rest[3]),
            let start = UInt64(rest[19])
        else { return nil }
        return Entry(pid: pid, ppid: ppid, pgrp: pgrp, session: session, startTime: start, zombie: rest[0] == "Z")
    }

    /// The processes of the tree rooted at `root` (a session leader): same session or group, any
    /// descendant of a member, and `known` ones (seen earlier, same start time) even if re-parented.
    /// Zombies are left out.
    /// `marked` are processes that carry the run's `KJOB_RUN_ID` in their environment (found by the
    /// caller in /proc/<pid>/environ): double-forked, setsid'd orphans the other rules cannot see.
    public static func members(
        of root: Int32, in table: [Entry], known: [Int32: UInt64] = [:],
        marked: Set<Int32> = []
    ) -> [Entry] {
        var members: [Int32: Entry] = [:]
        for entry in table
        where entry.pid == root || entry.session == root || entry.pgrp == root
            || known[entry.pid] == entry.startTime || marked.contains(entry.pid)
        {
            members[entry.pid] = entry
        }
        var grew = true
        while grew {
            grew = false
            for entry in table where members[entry.pid] == nil && members[entry.ppid] != nil {
                members[entry.pid] = entry
                grew = true
            }
        }
        return members.values.filter { !$0.zombie }.sorted { $0.pid < $1.pid }
    }
}
