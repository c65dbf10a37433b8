/// Per-run resource limits. `nil` means "not limited by kjob".
///
/// Enforcement: `memoryBytes` and `processes` go to the run's cgroup (memory, pids) when the node
/// has writable ones; without a memory cgroup `memoryBytes` falls back to `RLIMIT_AS`. CPU time and
/// open files are rlimits. `RLIMIT_NPROC` is also set for an unprivileged `run_as` user (root ignores it).
public struct ResourceLimits: Sendable, Hashable {
    /// Memory of the whole run tree, in bytes.
    public var memoryBytes: Int64?
    /// Address space of each process (`RLIMIT_AS`); runtimes that reserve large virtual ranges
    /// (JVM, Go, Node) need this unset or generous.
    public var addressSpaceBytes: Int64?
    /// CPU seconds of each process (`RLIMIT_CPU`: SIGXCPU at the limit, SIGKILL one second later).
    public var cpuSeconds: Int?
    /// Open file descriptors of each process (`RLIMIT_NOFILE`).
    public var openFiles: Int?
    /// Processes in the run tree (pids cgroup; also `RLIMIT_NPROC` for an unprivileged user).
    public var processes: Int?

    public init(
        memoryBytes: Int64? = nil, addressSpaceBytes: Int64? = nil, cpuSeconds: Int? = nil,
        openFiles: Int? = nil, processes: Int? = nil
    ) {
        self.memoryBytes = memoryBytes
        self.addressSpaceBytes = addressSpaceBytes
        self.cpuSeconds = cpuSeconds
        self.openFiles = openFiles
        self.processes = processes
    }

    /// The defaults kjobd applies when a job says nothing: 1024 files and 512 processes.
    public static let defaults = ResourceLimits(openFiles: 1024, processes: 512)

    /// `other`'s set fields override ours.
    public func overridden(by other: ResourceLimits) -> ResourceLimits {
        ResourceLimits(
            memoryBytes: other.memoryBytes ?? memoryBytes,
            addressSpaceBytes: other.addressSpaceBytes ?? addressSpaceBytes,
            cpuSeconds: other.cpuSeconds ?? cpuSeconds,
            openFiles: other.openFiles ?? openFiles,
            processes: other.processes ?? processes)
    }
}
