import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The cgroups of one run: a v2 directory for `cgroup.kill` and membership, v1 (or v2) pids and
/// memory directories for limits. The spawn helper joins them before exec, so nothing the child
/// starts escapes, setsid and double-fork included.
public final class RunCgroup: Sendable {
    public let unified: String?
    public let pids: String?
    public let memory: String?

    public var directories: [String] { [unified, pids, memory].compactMap { $0 } }
    public var procsFiles: [String] { directories.map { "\($0)/cgroup.procs" } }
    public var hasMemoryLimit: Bool { memory != nil }

    init(unified: String?, pids: String?, memory: String?) {
        self.unified = unified
        self.pids = pids
        self.memory = memory
    }

    /// Makes `<base>/kjob` in each usable hierarchy; returns the layout narrowed to what works.
    /// The v2 hierarchy counts only with `cgroup.kill` (Linux 5.14).
    public static func prepare(_ layout: CgroupLayout) -> CgroupLayout {
        var usable = CgroupLayout()
        if let dir = layout.unified, SystemFiles.makeDirectory("\(dir)/kjob"), SystemFiles.exists("\(dir)/kjob/cgroup.kill"),
            access("\(dir)/kjob/cgroup.procs", W_OK) == 0
        {
            usable.unified = "\(dir)/kjob"
            let controllers = Set(
                (SystemFiles.read("\(dir)/kjob/cgroup.controllers") ?? "").split(separator: " ")
                    .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            if controllers.contains("memory") || controllers.contains("pids") {
                let wanted = ["memory", "pids"].filter(controllers.contains).map { "+\($0)" }.joined(separator: " ")
                if SystemFiles.write("\(dir)/kjob/cgroup.subtree_control", wanted) {
                    usable.unifiedControllers = controllers.intersection(["memory", "pids"])
                }
            }
        }
        if !usable.unifiedControllers.contains("pids"), let dir = layout.pids, SystemFiles.makeDirectory("\(dir)/kjob"),
            SystemFiles.exists("\(dir)/kjob/pids.max")
        {
            usable.pids = "\(dir)/kjob"
        }
        if !usable.unifiedControllers.contains("memory"), let dir = layout.memory, SystemFiles.makeDirectory("\(dir)/kjob"),
            SystemFiles.exists("\(dir)/kjob/memory.limit_in_bytes")
        {
            usable.memory = "\(dir)/kjob"
        }
        return usable
    }

    /// Creates the run's directories under a prepared layout and writes its limits.
    public static func create(in prepared: CgroupLayout, runID: String, limits: ResourceLimits) throws(SandboxError) -> RunCgroup {
        guard let base = prepared.unified else {
            throw SandboxError(.invalidConfiguration, "no usable cgroup v2 hierarchy", fix: "run without cgroups")
        }
        var created: [String] = []
        func make(_ path: String) throws(SandboxError) {
            guard mkdir(path, 0o755) == 0 else {
                let reason = SystemFiles.errnoText()
                for dir in created.reversed() { rmdir(dir) }
                throw SandboxError(
                    .spawnFailed, "cannot create cgroup \(path): \(reason)",
                    fix: "check that kjobd may write below \(path)/..")
            }
            created.append(path)
        }
        func set(_ path: String, _ value: String) throws(SandboxError) {
            guard SystemFiles.write(path, value) else {
                let reason = SystemFiles.errnoText()
                for dir in created.reversed() { rmdir(dir) }
                throw SandboxError(
                    .spawnFailed, "cannot write \(value) to \(path): \(reason)",
                    fix: "check the cgroup limit value")
            }
        }
        let unified = "\(base)/\(runID)"
        try make(unified)
        if let processes = limits.processes, prepared.unifiedControllers.contains("pids") {
            try set("\(unified)/pids.max", String(processes))
        }
        if let bytes = limits.memoryBytes, prepared.unifiedControllers.contains("memory") {
            try set("\(unified)/memory.max", String(bytes))
            if SystemFiles.exists("\(unified)/memory.swap.max") { try set("\(unified)/memory.swap.max", "0") }
        }
        var pids: String?
        if let processes = limits.processes, let dir = prepared.pids {
            pids = "\(dir)/\(runID)"
            try make(pids!)
            try set("\(pids!)/pids.max", String(processes))
        }
        var memory: String?
        if let bytes = limits.memoryBytes, let dir = prepared.memory {
            memory = "\(dir)/\(runID)"
            try make(memory!)
            try set("\(memory!)/memory.limit_in_bytes", String(bytes))
            if SystemFiles.exists("\(memory!)/memory.memsw.limit_in_bytes") {
                try set("\(memory!)/memory.memsw.limit_in_bytes", String(bytes))
            }
        }
        return RunCgroup(unified: unified, pids: pids, memory: memory)
    }

    /// Processes now in the run (the v2 directory holds them all).
    public func members() -> [Int32] {
        guard let unified else { return [] }
        return SystemFiles.pids(inProcsFile: "\(unified)/cgroup.procs")
    }

    public func signal(_ signal: Int32) {
        for pid in members() { kill(pid, signal) }
    }

    /// SIGKILL to every process at once, new forks included (`cgroup.kill`).
    public func killAll() {
        if let unified, SystemFiles.write("\(unified)/cgroup.kill", "1") { return }
        for _ in 0..<50 {
            let pids = members()
            if pids.isEmpty { return }
            for pid in pids { kill(pid, SIGKILL) }
        }
    }

    /// Removes the directories once empty; true when all are gone.
    @discardableResult
    public func remove() -> Bool {
        var ok = true
        for dir in directories.reversed() where rmdir(dir) != 0 && errno != ENOENT {
            ok = false
        }
        return ok
    }
}
