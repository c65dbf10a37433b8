import KJobCore
/// A job's `sandbox = { backend = ..., image = ..., network = ..., memory = ..., cpu = ..., pids = ... }`.
public struct SandboxSpec: Sendable, Hashable {
    public typealias Backend = SandboxBackend

    public var backend: Backend
    /// Container image; required for docker and podman, ignored otherwise.
    public var image: String?
    /// Network access. Off by default for bwrap and containers; the process backend cannot remove it.
    public var network: Bool
    /// Memory limit of the run in bytes (also the container's `--memory`).
    public var memoryBytes: Int64?
    /// CPUs for containers (`--cpus`); fractional allowed.
    public var cpus: Double?
    /// Process limit of the run (pids cgroup, container `--pids-limit`).
    public var pids: Int?

    public init(backend: Backend = .process, image: String? = nil, network: Bool = false,
                memoryBytes: Int64? = nil, cpus: Double? = nil, pids: Int? = nil) {
        self.backend = backend
        self.image = image
        self.network = network
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.pids = pids
    }

    /// The job-level limits this spec implies.
    public var limits: ResourceLimits {
        ResourceLimits(memoryBytes: memoryBytes, processes: pids)
    }

    public func validate() throws(SandboxError) {
        switch backend {
        case .docker, .podman:
            guard let image, !image.isEmpty else {
                throw SandboxError(.invalidConfiguration, "sandbox.backend = \"\(backend.rawValue)\" needs sandbox.image",
                                   fix: "add image = \"debian:bookworm-slim\" (or the image your agent ships in)")
            }
        case .process, .bwrap:
            break
        }
        if let cpus, !(cpus > 0) {
            throw SandboxError(.invalidConfiguration, "sandbox.cpu must be greater than 0", fix: "write e.g. cpu = 1.5")
        }
        if let pids, pids < 1 {
            throw SandboxError(.invalidConfiguration, "sandbox.pids must be at least 1", fix: "write e.g. pids = 256")
        }
        if let memoryBytes, memoryBytes < JobSpecLimits.minMemoryBytes {
            throw SandboxError(.invalidConfiguration, "sandbox.memory is below \(ByteSizeText.format(JobSpecLimits.minMemoryBytes))",
                               fix: "write e.g. memory = \"512MiB\"")
        }
    }
}
