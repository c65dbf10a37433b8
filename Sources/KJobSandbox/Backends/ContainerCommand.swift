/// `docker run` / `podman run` for a job with an image. The container's environment travels in an
/// `--env-file` (`ContainerEnvFile`): never in argv (`ps`) nor in the engine client's environment,
/// which is the node's own. `executable` is an absolute path resolved on kjobd's `PATH`.
public struct ContainerCommand: Sendable {
    public enum Engine: String, Sendable, Hashable { case docker, podman }

    /// A `--ulimit NAME=SOFT:HARD` for the container.
    public struct Ulimit: Sendable, Hashable {
        public var name: String
        public var soft: UInt64
        public var hard: UInt64

        public init(name: String, soft: UInt64, hard: UInt64) {
            self.name = name
            self.soft = soft
            self.hard = hard
        }
    }

    public static let containerWorkdir = "/work"

    public var engine: Engine
    public var executable: String
    public var image: String
    public var containerName: String
    public var workdir: String
    public var network: Bool
    public var memoryBytes: Int64?
    public var cpus: Double?
    public var pids: Int?
    public var user: (uid: UInt32, gid: UInt32)?
    /// Rootful podman raises a container's open files and processes to 1048576 / 4194304 unless told
    /// otherwise, which needs CAP_SYS_RESOURCE; kjobd.service's bounding set drops it, and every run
    /// then failed in the OCI runtime ("setrlimit RLIMIT_NOFILE: Operation not permitted"). kjobd
    /// passes limits the engine may set (`podmanUlimits`).
    public var ulimits: [Ulimit]

    public init(
        engine: Engine, executable: String? = nil, image: String, containerName: String, workdir: String,
        network: Bool, memoryBytes: Int64? = nil, cpus: Double? = nil, pids: Int? = nil,
        user: (uid: UInt32, gid: UInt32)? = nil, ulimits: [Ulimit] = []
    ) {
        self.engine = engine
        self.executable = executable ?? engine.rawValue
        self.image = image
        self.containerName = containerName
        self.workdir = workdir
        self.network = network
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.pids = pids
        self.user = user
        self.ulimits = ulimits
    }

    public func runArgv(command: [String], envFile: String) -> [String] {
        var args = [
            executable, "run", "--rm", "--init", "-i=false",
            "--name", containerName,
            "--network", network ? "bridge" : "none",
            "--read-only", "--tmpfs", "/tmp",
            "-v", "\(workdir):\(Self.containerWorkdir)",
            "-w", Self.containerWorkdir
        ]
        if let memoryBytes { args += ["--memory", String(memoryBytes)] }
        if let cpus { args += ["--cpus", String(cpus)] }
        if let pids { args += ["--pids-limit", String(pids)] }
        if let user { args += ["--user", "\(user.uid):\(user.gid)"] }
        for limit in ulimits { args += ["--ulimit", "\(limit.name)=\(limit.soft):\(limit.hard)"] }
        args += ["--env-file", envFile]
        args.append(image)
        return args + command
    }

    /// Sent on kill: the container's processes are not in our process tree.
    public func killArgv(signal: String) -> [String] {
        [executable, "kill", "--signal", signal, containerName]
    }

    /// After a kill: the client that would have honoured `--rm` is gone with the run's tree.
    public func removeArgv() -> [String] {
        [executable, "rm", "--force", containerName]
    }

    /// Probe: succeeds only when a server answers (a client without an engine fails).
    public static func probeArgv(executable: String) -> [String] {
        [executable, "version", "--format", "{{.Server.Version}}"]
    }
}
