/// What `kjob-spawn` does between posix_spawn and exec: join cgroups, set rlimits, change
/// directory, drop to the `run_as` user, close every descriptor above 2, exec the command with its
/// environment.
///
/// The daemon never forks (a forked Swift runtime with live threads is unsafe), and posix_spawn cannot
/// set limits or ids, so this small helper does it in the child. Encoded as argv, except the
/// command's environment: its values may be secrets and argv is world-readable in /proc, so it is
/// handed over on a descriptor (`environmentFD`). The helper (Sources/kjob-spawn/main.c) parses it,
/// in C so that no Swift runtime loads per run.
public struct SpawnPlan: Sendable, Hashable {
    public enum Limit: String, Sendable, Hashable, CaseIterable {
        case addressSpace = "as"
        case cpu, nofile, nproc
    }

    public struct LimitValue: Sendable, Hashable {
        public var soft: UInt64
        public var hard: UInt64
        public init(soft: UInt64, hard: UInt64) {
            self.soft = soft
            self.hard = hard
        }
    }

    /// `cgroup.procs` files the helper writes its own pid into before anything else.
    public var cgroupProcs: [String]
    public var limits: [Limit: LimitValue]
    public var directory: String?
    /// User name to switch to (initgroups, setgid, setuid); `nil` keeps the current user.
    public var user: String?
    /// `NAME=VALUE` entries: the command's whole environment, applied only at the final exec (after
    /// the switch to `user`) and searched for the command's `PATH`. `nil`: the command inherits the
    /// helper's environment.
    public var environment: [String]?
    public var command: [String]

    /// The descriptor the helper reads `environment` from (`--env-fd`).
    public static let environmentFD: Int32 = 3
    /// The helper's own environment. It reads none, and it starts as root: nothing a job chose may
    /// reach it (loader variables act before `main`).
    public static let helperEnvironment: [String] = []

    public init(
        cgroupProcs: [String] = [], limits: [Limit: LimitValue] = [:],
        directory: String? = nil, user: String? = nil, environment: [String]? = nil, command: [String]
    ) {
        self.cgroupProcs = cgroupProcs
        self.limits = limits
        self.directory = directory
        self.user = user
        self.environment = environment
        self.command = command
    }

    /// rlimits for `limits`; memory goes to `RLIMIT_AS` only when no memory cgroup takes it.
    /// `RLIMIT_NPROC` counts every process of the user on the node, not of the run, so it is only a
    /// fallback for an unprivileged user when no pids cgroup holds the run.
    public static func rlimits(
        for limits: ResourceLimits, memoryCgroup: Bool, unprivilegedUser: Bool,
        pidsCgroup: Bool = false
    )
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
        if environment != nil { args += ["--env-fd", String(Self.environmentFD)] }
        return args + ["--"] + command
    }

    /// `environment` as the helper reads it on `environmentFD`: each entry followed by a NUL. An
    /// entry that is not NAME=VALUE or holds a NUL (which would split it in two) is refused.
    public var environmentBlock: [UInt8]? {
        get throws(SandboxError) {
            guard let environment else { return nil }
            var block: [UInt8] = []
            for entry in environment {
                let bytes = Array(entry.utf8)
                let name = String(decoding: bytes.prefix { $0 != UInt8(ascii: "=") }, as: UTF8.self)
                guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")), equals > 0 else {
                    throw SandboxError(
                        .invalidConfiguration, "environment entry \"\(name)\" is not NAME=VALUE",
                        fix: "give the variable a name")
                }
                guard !bytes.contains(0) else {
                    throw SandboxError(
                        .invalidConfiguration, "environment variable \(name) holds a NUL character, which no environment can carry",
                        fix: "remove the NUL from the job's env or prompt")
                }
                block += bytes
                block.append(0)
            }
            return block
        }
    }
}
