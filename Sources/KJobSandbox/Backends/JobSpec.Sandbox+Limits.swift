import KJobCore

extension JobSpec.Sandbox {
    /// The job-level limits this sandbox implies.
    public var limits: ResourceLimits {
        ResourceLimits(memoryBytes: memoryBytes, processes: pids)
    }

    /// What the executor needs before it spawns (a spec from the API was validated already; a
    /// request built elsewhere, e.g. by the benchmark, is checked here).
    public func validate() throws(SandboxError) {
        switch backend {
        case .docker, .podman:
            guard let image, !image.isEmpty else {
                throw SandboxError(
                    .invalidConfiguration, "sandbox.backend = \"\(backend.rawValue)\" needs sandbox.image",
                    fix: "add image = \"debian:bookworm-slim\" (or the image your agent ships in)")
            }
        case .process, .bwrap:
            break
        }
        if let cpuMillicores, cpuMillicores < 1 {
            throw SandboxError(.invalidConfiguration, "sandbox.cpu must be greater than 0", fix: "write e.g. cpu = 1.5")
        }
        if let pids, pids < 1 {
            throw SandboxError(.invalidConfiguration, "sandbox.pids must be at least 1", fix: "write e.g. pids = 256")
        }
        if let memoryBytes, memoryBytes < JobSpecLimits.minMemoryBytes {
            throw SandboxError(
                .invalidConfiguration, "sandbox.memory is below \(ByteSizeText.format(JobSpecLimits.minMemoryBytes))",
                fix: "write e.g. memory = \"512MiB\"")
        }
    }
}
