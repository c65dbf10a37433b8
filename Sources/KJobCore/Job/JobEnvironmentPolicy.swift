/// Which `env` entries a job may set. One rule set for the job validator and the sandbox (which
/// applies it again to a spec that bypassed validation).
///
/// - Every backend: names that steer the dynamic loader or libc. glibc's own list of variables it
///   drops for setuid programs (`unsecvars.h`) minus the harmless `TMPDIR` and `TZDIR`, plus every
///   `LD_*` and `MALLOC_*`. kjob applies a job's environment only after the switch to `run_as`; these
///   are refused anyway so that no future root helper can load what a job chose.
/// - docker and podman: names the engine clients read to pick their host, config, credentials or
///   storage (`DOCKER_*`, `CONTAINER_*`, `CONTAINERS_*`, `PODMAN_*`, `BUILDAH_*`, ...), and values with
///   a line break, which the engines' line-based `--env-file` cannot carry. Outside a container
///   these are the job's own business (it may run `docker` itself, as `run_as`).
public enum JobEnvironmentPolicy {
    /// Exact names refused for every backend (compared upper-cased).
    public static let loaderNames: Set<String> = [
        "GCONV_PATH", "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH",
        "NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF", "RES_OPTIONS"
    ]
    /// Name prefixes refused for every backend.
    public static let loaderPrefixes = ["LD_", "MALLOC_"]
    /// Exact names refused for the container backends.
    public static let engineNames: Set<String> = ["REGISTRY_AUTH_FILE", "STORAGE_DRIVER", "STORAGE_OPTS"]
    /// Name prefixes refused for the container backends.
    public static let enginePrefixes = ["DOCKER_", "CONTAINER_", "CONTAINERS_", "PODMAN_", "BUILDAH_"]

    /// `^[A-Za-z_][A-Za-z0-9_]*$`: a name every shell, engine and env-file reader takes.
    public static func isVariableName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func letter(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F }
        func digit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        guard let first = bytes.first, letter(first) else { return false }
        return bytes.allSatisfy { letter($0) || digit($0) }
    }

    /// Why `name` cannot be set for `backend` (nil when it can); the message names the variable.
    public static func nameProblem(_ name: String, backend: SandboxBackend) -> String? {
        guard isVariableName(name) else {
            return "\"\(name)\" is not a valid variable name; use letters, digits and '_', not starting with a digit (^[A-Za-z_][A-Za-z0-9_]*$)"
        }
        let upper = name.uppercased()
        if upper.hasPrefix(JobSpecLimits.reservedEnvPrefix) {
            return "\(JobSpecLimits.reservedEnvPrefix)* names are reserved for kjob (KJOB_RUN_ID, KJOB_PROMPT, ...); rename the variable"
        }
        if loaderNames.contains(upper) || loaderPrefixes.contains(where: upper.hasPrefix) {
            return
                "\(name) steers the dynamic loader or libc (LD_*, MALLOC_*, GLIBC_TUNABLES, GCONV_PATH, ...), which no job may set; remove it (a library the agent needs belongs in its image or its command on the node)"
        }
        if backend.needsImage, engineNames.contains(upper) || enginePrefixes.contains(where: upper.hasPrefix) {
            return
                "\(name) steers the container engine (DOCKER_*, CONTAINER_*, CONTAINERS_*, PODMAN_*, BUILDAH_*, REGISTRY_AUTH_FILE, ...), which a \(backend) job may not set; remove it (the engine is the node's, configured by its operator)"
        }
        return nil
    }

    /// Why `value` cannot be given to `name` for `backend` (nil when it can).
    public static func valueProblem(_ name: String, _ value: String, backend: SandboxBackend) -> String? {
        if value.utf8.contains(0) { return "contains a NUL character, which an environment cannot carry; remove it" }
        if backend.needsImage, value.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            return
                "has a line break, which cannot reach a \(backend) container (its --env-file holds one variable per line); put the text in a file in the image or the working directory"
        }
        return nil
    }

    /// The first problem of `name = value` for `backend`, if any.
    public static func problem(_ name: String, _ value: String, backend: SandboxBackend) -> String? {
        nameProblem(name, backend: backend) ?? valueProblem(name, value, backend: backend)
    }
}
