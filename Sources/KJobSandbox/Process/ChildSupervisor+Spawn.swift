#if canImport(Glibc)
import Glibc
#endif

extension ChildSupervisor {
    /// glibc's `POSIX_SPAWN_SETSID` (2.26+); not exported to Swift.
    static let spawnSetsid: Int32 = 0x80

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0),
                                                           "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// posix_spawn with stdin from /dev/null, stdout/stderr to the pipes, a new session, default
    /// signal dispositions and an empty mask (the daemon ignores SIGPIPE; children must not).
    static func posixSpawn(_ spawn: Spawn, stdout: Int32, stderr: Int32) -> Result<Int32, SandboxError> {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let closeFrom = addCloseFrom {
            // glibc ≥ 2.34: nothing above 2 crosses exec even for commands spawned without kjob-spawn.
            _ = closeFrom(&actions, 3)
        }

        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        let flags = Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK) | spawnSetsid
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = spawn.argv.map { strdup($0) } + [nil]
        let envp = spawn.environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var status: Int32 = 0
        let spawned = ChildRegistry.spawn {
            var pid: pid_t = 0
            status = posix_spawn(&pid, spawn.argv[0], &actions, &attributes, argv, envp)
            return status == 0 ? pid : nil
        }
        guard let pid = spawned else {
            return .failure(SandboxError(.spawnFailed, "cannot start \(spawn.argv[0]): \(SystemFiles.errnoText(status))",
                                         fix: "check that the program exists and is executable"))
        }
        return .success(pid)
    }
}
