/// What `kjob-spawn` does between posix_spawn and exec: join cgroups, set rlimits, change
/// directory, drop to the `run_as` user, close every descriptor above 2, exec the command.
///
/// The daemon never forks (a forked Swift runtime with live threads is unsafe), and posix_spawn cannot
/// set limits or ids, so this small helper does it in the child. Encoded as argv so it needs no IPC;
/// the helper (Sources/kjob-spawn/main.c) parses it, in C so that no Swift runtime loads per run.
public struct SpawnPlan: Sendable, Hashable {
    public enum Limit: String, Sendable, Hashable, CaseIterable {
        case addressSpace = "as", cpu, nofile, nproc
    }

    public struct LimitValue: Sendable, Hashable {
        public var soft: UInt64
        public var hard: UInt64
        public init(soft: UInt64, hard: UInt64) { self.soft = soft; self.hard = hard }
    }

    /// `cgroup.procs` files the helper writes its own pid into before anything else.
    public var cgroupProcs: [String]
    public var limits: [Limit: LimitValue]
    public var directory: String?
    /// User name to switch to (initgroups, setgid, setuid); `nil` keeps the current user.
    public var user: String?
    public var command: [String]

    public init(cgroupProcs: [String] = [], limits: [Limit: LimitValue] = [:],
                directory: String? = nil, user: String? = nil, command: [String]) {
        self.cgroupProcs = cgroupProcs
        self.limits = limits
        self.directory = directory
        self.user = user
        self.command = command
    }

    /// rlimits for `limits`; memory goes to `RLIMIT_AS` only when no memory cgroup takes it.
    /// `RLIMIT_NPROC` counts every process of the user on the node, not of the run, so it is only a
    /// fallback for an unprivileged user when no pids cgroup holds the run.
    public static func rlimits(for limits: ResourceLimits, memoryCgroup: Bool, unprivilegedUser: Bool,
                               pidsCgroup: Bool = false)
        -> [Limit: LimitValue]
    {
        var result: [Limit: LimitValue] = [:]
        if let bytes = limits.addressSpaceBytes ?? (memoryCgroup ? nil : limits.memoryBytes), bytes > 0 {
            result[.addressSpace] = LimitValue(soft: UInt64(bytes), hard: UInt64(bytes))
        }
        if let seconds = limits.cpuSeconds, seconds > 0 {
            result[.cpu] = LimitValue(soft: UInt64(seconds), hard: UInt64(seconds) + 1)
        }
        if let files = limits.openFiles, files > 0 {
            result[.nofile] = LimitValue(soft: UInt64(files), hard: UInt64(files))
        }
        if unprivilegedUser, !pidsCgroup, let processes = limits.processes, processes > 0 {
            result[.nproc] = LimitValue(soft: UInt64(processes), hard: UInt64(processes))
        }
        return result
    }

    /// The helper's arguments after its own path.
    public var arguments: [String] {
        var args: [String] = []
        for path in cgroupProcs { args += ["--cgroup", path] }
        for limit in Limit.allCases {
            if let value = limits[limit] { args += ["--rlimit", "\(limit.rawValue)=\(value.soft):\(value.hard)"] }
        }
        if let directory { args += ["--chdir", directory] }
        if let user { args += ["--user", user] }
        return args + ["--"] + command
    }
}
