import KJobCore
import TOMLKit

extension SandboxConfiguration {
    /// Keys of kjobd's `[sandbox]` table, each optional (defaults as in `init`). Where files go,
    /// the kill grace and the child user are kjobd's `[executor]` keys, set on the result:
    ///
    /// ```toml
    /// [sandbox]
    /// stdout_tail_bytes = "64KiB"
    /// env_allow = ["PATH", "LANG", "TZ"]
    /// keep_workdir = "on_failure"        # never | on_failure | always
    /// spawn_helper = "/usr/libexec/kjob/kjob-spawn"
    /// cgroups = true
    /// bwrap = "bwrap"                   # a name (found on kjobd's PATH) or an absolute path
    /// docker = "docker"
    /// podman = "podman"
    /// limits = { memory = "2GiB", cpu_time = "30m", open_files = 1024, processes = 512 }
    /// ```
    public init(toml table: TOMLTable?, daemonEnvironment: [String: String]) throws(SandboxError) {
        self.init(daemonEnvironment: daemonEnvironment)
        guard let table else { return }
        for key in table.keys where !Self.tomlKeys.contains(key) {
            throw SandboxError(
                .invalidConfiguration, "sandbox.\(key) is not a known setting",
                fix: "use one of \(Self.tomlKeys.sorted().joined(separator: ", "))")
        }
        if let bytes = try Self.size(table, "stdout_tail_bytes") {
            guard bytes <= 16 << 20 else { throw Self.bad("stdout_tail_bytes", "at most 16MiB") }
            stdoutTailBytes = Int(bytes)
        }
        if let value = table["env_allow"] {
            guard let array = value.array else { throw Self.bad("env_allow", "must be an array of variable names") }
            var names: [String] = []
            for element in array {
                guard let name = element.string, !name.isEmpty, !name.contains("=") else {
                    throw Self.bad("env_allow", "must hold variable names")
                }
                guard !name.hasPrefix("KJOBD_") else {
                    throw Self.bad("env_allow", "\(name): KJOBD_* variables are kjobd's secrets and never reach jobs")
                }
                names.append(name)
            }
            environmentAllowList = names
        }
        if let text = try Self.string(table, "keep_workdir") {
            guard let keep = KeepWorkdir(rawValue: text) else { throw Self.bad("keep_workdir", "must be never, on_failure or always") }
            keepWorkdir = keep
        }
        if let text = try Self.string(table, "spawn_helper") { spawnHelper = text.isEmpty ? nil : text }
        if let value = table["cgroups"] {
            guard let flag = value.bool else { throw Self.bad("cgroups", "must be true or false") }
            useCgroups = flag
        }
        if let text = try Self.program(table, "bwrap") { bwrapPath = text }
        if let text = try Self.program(table, "docker") { dockerPath = text }
        if let text = try Self.program(table, "podman") { podmanPath = text }
        if let value = table["limits"] {
            guard let limits = value.table else { throw Self.bad("limits", "must be a table") }
            defaultLimits = try Self.limits(limits, base: defaultLimits)
        }
    }

    static let tomlKeys: Set<String> = [
        "stdout_tail_bytes", "env_allow", "keep_workdir", "spawn_helper", "cgroups", "bwrap",
        "docker", "podman", "limits"
    ]

    static func limits(_ table: TOMLTable, base: ResourceLimits) throws(SandboxError) -> ResourceLimits {
        var limits = base
        for key in table.keys where !["memory", "address_space", "cpu_time", "open_files", "processes"].contains(key) {
            throw SandboxError(
                .invalidConfiguration, "sandbox.limits.\(key) is not a known limit",
                fix: "use memory, address_space, cpu_time, open_files or processes")
        }
        if let bytes = try size(table, "memory", in: "limits") { limits.memoryBytes = bytes }
        if let bytes = try size(table, "address_space", in: "limits") { limits.addressSpaceBytes = bytes }
        if let time = try duration(table, "cpu_time", in: "limits") {
            let seconds = Int(time.components.seconds)
            guard seconds >= 1 else { throw bad("limits.cpu_time", "must be at least 1s") }
            limits.cpuSeconds = seconds
        }
        if let value = table["open_files"] {
            guard let number = value.int, number >= 16 else { throw bad("limits.open_files", "must be a number of at least 16") }
            limits.openFiles = number
        }
        if let value = table["processes"] {
            guard let number = value.int, number >= 1 else { throw bad("limits.processes", "must be a positive number") }
            limits.processes = number
        }
        return limits
    }

    static func bad(_ key: String, _ reason: String) -> SandboxError {
        SandboxError(.invalidConfiguration, "sandbox.\(key) \(reason)", fix: "fix sandbox.\(key) in the kjobd config")
    }

    static func string(_ table: TOMLTable, _ key: String) throws(SandboxError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw bad(key, "must be a string") }
        return text
    }

    /// A program name (no `/`) or an absolute path: a relative path would resolve against the
    /// run's working directory, which the job writes.
    static func program(_ table: TOMLTable, _ key: String) throws(SandboxError) -> String? {
        guard let text = try string(table, key) else { return nil }
        guard !text.isEmpty, !text.contains("/") || text.hasPrefix("/") else {
            throw bad(key, "must be a program name (looked up on kjobd's PATH) or an absolute path; got \"\(text)\"")
        }
        return text
    }

    static func size(_ table: TOMLTable, _ key: String, in parent: String? = nil) throws(SandboxError) -> Int64? {
        guard let value = table[key] else { return nil }
        let name = parent.map { "\($0).\(key)" } ?? key
        if let number = value.int, number >= 0 { return Int64(number) }
        guard let text = value.string else { throw bad(name, "must be a size such as \"10MiB\"") }
        do { return try ByteSizeText.parse(text) } catch { throw bad(name, "is not a size: \(error.reason)") }
    }

    static func duration(_ table: TOMLTable, _ key: String, in parent: String? = nil) throws(SandboxError) -> Duration? {
        guard let value = table[key] else { return nil }
        let name = parent.map { "\($0).\(key)" } ?? key
        guard let text = value.string else { throw bad(name, "must be a duration such as \"10s\"") }
        do { return try DurationText.parse(text) } catch { throw bad(name, "is not a duration: \(error.reason)") }
    }
}
