import KJobCore

#if canImport(Glibc)
    import Glibc
#endif

/// A container run's environment as `docker|podman run --env-file`: out of argv (world-readable in
/// /proc) and out of the engine client's own environment (`-e NAME` would read it from there).
///
/// Both engines read the file line by line, `NAME=VALUE` with the value verbatim, through a line
/// reader that stops at 64 KiB. So a value with a line break (or longer than `maxLineBytes`) cannot
/// travel: `KJOB_PROMPT` is then left out (the agent still gets the prompt through `{prompt}` in its
/// argv), any other such variable is an error. `PATH` stays the image's; `HOME` is `/work`.
public struct ContainerEnvFile: Sendable, Hashable {
    /// Longest `NAME=VALUE` line written; the engines' reader takes less than 64 KiB.
    public static let maxLineBytes = 60 * 1024

    /// `NAME=VALUE` lines, sorted by name.
    public private(set) var lines: [String]
    /// Variables left out because the file cannot carry them (only ever `KJOB_PROMPT`).
    public private(set) var omitted: [String]

    public init(_ environment: [String: String]) throws(SandboxError) {
        var entries = environment
        entries["PATH"] = nil
        entries["HOME"] = ContainerCommand.containerWorkdir
        lines = []
        omitted = []
        for (name, value) in entries.sorted(by: { $0.key < $1.key }) {
            let line = "\(name)=\(value)"
            if JobEnvironmentPolicy.isVariableName(name), line.utf8.count <= Self.maxLineBytes,
                !line.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 })
            {
                lines.append(line)
            } else if name == "KJOB_PROMPT" {
                omitted.append(name)
            } else {
                throw SandboxError(
                    .invalidConfiguration,
                    "environment variable \(name) cannot be passed to a container: its --env-file takes one NAME=VALUE line per variable (a plain name, no line break, at most \(ByteSizeText.format(Int64(Self.maxLineBytes))))",
                    fix: "change the variable in the job's env (or the node's env_allow)")
            }
        }
    }

    public var contents: String { lines.map { $0 + "\n" }.joined() }

    /// Writes the file as `<directory>/<name>`, 0600, never through an existing file or link;
    /// `directory` is created 0700 when missing. Returns its path.
    func write(in directory: String, name: String) throws(SandboxError) -> String {
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw SandboxError(.workdir, "cannot create \(directory): \(SystemFiles.errnoText())", fix: "make work_dir writable by kjobd")
        }
        var info = stat()
        guard lstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid() else {
            throw SandboxError(.workdir, "\(directory) is not a directory owned by kjobd", fix: "remove it; kjobd recreates it")
        }
        let path = "\(directory)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SandboxError(
                .workdir, "cannot create \(path): \(SystemFiles.errnoText())",
                fix: errno == EEXIST ? "a run id is used once; remove the stale file" : "make work_dir writable by kjobd")
        }
        defer { close(fd) }
        guard SystemFiles.writeAll(fd, Array(contents.utf8)) else {
            let reason = SystemFiles.errnoText()
            unlink(path)
            throw SandboxError(.workdir, "cannot write \(path): \(reason)", fix: "free space under work_dir")
        }
        return path
    }
}
