import KJobCore

/// The node-wide sandbox settings from kjobd's config.
public struct SandboxConfiguration: Sendable {
    /// Parent of per-run working directories (`<work_dir>/<job>/<run-id>`). Its ancestors must be
    /// searchable by `runAs`. Default `/var/lib/kjob/work`.
    public var workRoot: String
    /// `log_dir`: each run's log goes to `<log_dir>/<job>/<run-id>.log`; `nil` writes no files.
    public var logDir: String?
    /// `max_log_bytes`: output kept per run (default 10 MiB); the rest is drained and counted.
    public var maxLogBytes: Int64
    /// Bytes of stdout kept for the dispatch body (default 64 KiB).
    public var stdoutTailBytes: Int
    /// `kill_grace`: time between SIGTERM and SIGKILL (default 10 s).
    public var killGrace: Duration
    /// User the children run as when kjobd is root (default `kjob-run`); ignored when it is not.
    public var runAs: String?
    /// Daemon environment variables children may see (never `KJOBD_*`).
    public var environmentAllowList: [String]
    /// When to keep a run's working directory.
    public var keepWorkdir: KeepWorkdir
    /// Path of the `kjob-spawn` helper; `nil` looks next to the running executable, then on `PATH`.
    public var spawnHelper: String?
    /// Put each run in cgroups when the node allows (default); `false` uses the subreaper fallback.
    public var useCgroups: Bool
    /// Limits for every run; a job's sandbox settings override them.
    public var defaultLimits: ResourceLimits
    /// The `bwrap`, `docker` and `podman` programs: a name, looked up on kjobd's own `PATH` (never a
    /// job's) when the backend is probed, or an absolute path.
    public var bwrapPath: String
    public var dockerPath: String
    public var podmanPath: String
    /// The daemon's environment, the source for the allow-list (injected for tests).
    public var daemonEnvironment: [String: String]

    /// The node program `backend` runs through (`nil` for `process`), as configured.
    public func program(for backend: SandboxBackend) -> String? {
        switch backend {
        case .process: nil
        case .bwrap: bwrapPath
        case .docker: dockerPath
        case .podman: podmanPath
        }
    }

    public enum KeepWorkdir: String, Sendable, Hashable {
        case never
        case onFailure = "on_failure"
        case always
    }

    public init(
        workRoot: String = "/var/lib/kjob/work",
        logDir: String? = "/var/log/kjob",
        maxLogBytes: Int64 = 10 << 20,
        stdoutTailBytes: Int = 64 << 10,
        killGrace: Duration = .seconds(10),
        runAs: String? = "kjob-run",
        environmentAllowList: [String] = RunEnvironment.defaultAllowList,
        keepWorkdir: KeepWorkdir = .onFailure,
        spawnHelper: String? = nil,
        useCgroups: Bool = true,
        defaultLimits: ResourceLimits = .defaults,
        bwrapPath: String = "bwrap",
        dockerPath: String = "docker",
        podmanPath: String = "podman",
        daemonEnvironment: [String: String]
    ) {
        self.workRoot = workRoot
        self.logDir = logDir
        self.maxLogBytes = maxLogBytes
        self.stdoutTailBytes = stdoutTailBytes
        self.killGrace = killGrace
        self.runAs = runAs
        self.environmentAllowList = environmentAllowList
        self.keepWorkdir = keepWorkdir
        self.spawnHelper = spawnHelper
        self.useCgroups = useCgroups
        self.defaultLimits = defaultLimits
        self.bwrapPath = bwrapPath
        self.dockerPath = dockerPath
        self.podmanPath = podmanPath
        self.daemonEnvironment = daemonEnvironment
    }
}
