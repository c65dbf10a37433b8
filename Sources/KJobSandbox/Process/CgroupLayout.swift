/// Where this process's cgroups are, read from `/proc/self/cgroup` and `/proc/mounts`. Pure parsing.
///
/// Each run gets `<dir>/kjob/<run-id>` under the daemon's own cgroup in the v2 hierarchy (for
/// `cgroup.kill`) and in the v1 `pids` and `memory` hierarchies when those are mounted (limits).
public struct CgroupLayout: Sendable, Hashable {
    /// The daemon's cgroup directory in the unified (v2) hierarchy.
    public var unified: String?
    /// The daemon's cgroup directory in the v1 pids hierarchy.
    public var pids: String?
    /// The daemon's cgroup directory in the v1 memory hierarchy.
    public var memory: String?
    /// Whether `memory` and `pids` live in the unified hierarchy (pure v2 nodes: `memory.max`, `pids.max`).
    public var unifiedControllers: Set<String>

    public init(unified: String? = nil, pids: String? = nil, memory: String? = nil, unifiedControllers: Set<String> = []) {
        self.unified = unified
        self.pids = pids
        self.memory = memory
        self.unifiedControllers = unifiedControllers
    }

    public static func parse(procSelfCgroup: String, mounts: String) -> CgroupLayout {
        var v2Mount: String?
        var v1Mounts: [String: String] = [:]
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 4 else { continue }
            let mountPoint = String(fields[1])
            if fields[2] == "cgroup2" {
                if v2Mount == nil { v2Mount = mountPoint }
            } else if fields[2] == "cgroup" {
                for option in fields[3].split(separator: ",") where option == "pids" || option == "memory" {
                    v1Mounts[String(option)] = mountPoint
                }
            }
        }
        var layout = CgroupLayout()
        for line in procSelfCgroup.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = fields[2] == "/" ? "" : String(fields[2])
            if fields[0] == "0", fields[1].isEmpty {
                if let v2Mount { layout.unified = v2Mount + path }
            } else {
                for controller in fields[1].split(separator: ",") {
                    if controller == "pids", let mount = v1Mounts["pids"] { layout.pids = mount + path }
                    if controller == "memory", let mount = v1Mounts["memory"] { layout.memory = mount + path }
                }
            }
        }
        return layout
    }
}
