/// The bubblewrap wrapper: read-only root, private /tmp, /dev and /proc, the workdir writable,
/// every namespace unshared (the network too unless the job asks for it).
public struct BwrapCommand: Sendable, Hashable {
    public var executable: String
    public var workdir: String
    public var network: Bool

    public init(executable: String = "bwrap", workdir: String, network: Bool) {
        self.executable = executable
        self.workdir = workdir
        self.network = network
    }

    /// `bwrap ... -- argv`. `--die-with-parent` ties the sandbox to the spawning thread, which
    /// the executor keeps alive for the whole run.
    public func wrapping(_ argv: [String]) -> [String] {
        var args = [
            executable,
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--proc", "/proc",
            "--tmpfs", "/tmp",
            "--bind", workdir, workdir,
            "--chdir", workdir,
            "--unshare-all"
        ]
        if network { args.append("--share-net") }
        args += ["--die-with-parent", "--new-session", "--"]
        return args + argv
    }
}
