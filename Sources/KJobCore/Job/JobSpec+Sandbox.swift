extension JobSpec {
    /// The `sandbox` table of a job: where and with which limits the child runs.
    ///
    /// A limit left nil means the node's default applies. The executor runs the child with it as is
    /// (KJobSandbox adds `limits` and `validate()`).
    public struct Sandbox: Hashable, Sendable {
        public var backend: SandboxBackend
        /// Container image; required for docker/podman, rejected for the others.
        public var image: String?
        /// Whether the child may use the network. Off unless the job asks; `process` cannot take it away.
        public var network: Bool
        /// Memory limit in bytes (TOML: a size such as "512MiB").
        public var memoryBytes: Int64?
        /// CPU limit in thousandths of a core (TOML: cores as a number, `cpu = 1.5`).
        public var cpuMillicores: Int?
        /// Maximum number of processes/threads in the run's tree.
        public var pids: Int?

        public init(
            backend: SandboxBackend = .process,
            image: String? = nil,
            network: Bool = false,
            memoryBytes: Int64? = nil,
            cpuMillicores: Int? = nil,
            pids: Int? = nil
        ) {
            self.backend = backend
            self.image = image
            self.network = network
            self.memoryBytes = memoryBytes
            self.cpuMillicores = cpuMillicores
            self.pids = pids
        }

        /// The default: a plain process, no network, node-default limits.
        public static let `default` = Sandbox()

        /// The CPU limit in cores, e.g. 1.5.
        public var cpuCores: Double? { cpuMillicores.map { Double($0) / 1000 } }
    }
}
