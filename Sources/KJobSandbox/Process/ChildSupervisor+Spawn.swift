#if canImport(Glibc)
    import Glibc
#endif

extension ChildSupervisor {
    /// glibc's `POSIX_SPAWN_SETSID` (2.26+); not exported to Swift.
    static let spawnSetsid: Int32 = 0x80

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(
        UnsafeMutableRawPointer(bitPattern: 0),
        "posix_spawn_file_actions_addclosefrom_np"
    )
    .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    private typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32
    private static let memfdCreate: MemfdCreate? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "memfd_create")
        .map { unsafeBitCast($0, to: MemfdCreate.self) }

    /// An anonymous in-memory file holding `bytes` (close-on-exec, above `SpawnPlan.environmentFD`):
    /// never on disk, readable through /proc only by its owner, gone when the last descriptor closes.
    static func memoryFile(_ bytes: [UInt8]) -> Result<Int32, SandboxError> {
        let mfdCloexec: UInt32 = 1
        guard let memfdCreate else {
            return .failure(
                SandboxError(
                    .spawnFailed, "memfd_create is not available",
                    fix: "run kjobd on Linux 3.17 or later with glibc 2.27 or later"))
        }
        var fd = memfdCreate("kjob-env", mfdCloexec)
        guard fd >= 0 else {
            return .failure(
                SandboxError(
                    .spawnFailed, "cannot create the environment memfd: \(SystemFiles.errnoText())",
                    fix: "raise kjobd's open-file limit"))
        }
        if fd <= SpawnPlan.environmentFD {
            // posix_spawn's dup2 onto itself would keep close-on-exec: move it out of the way.
            let moved = fcntl(fd, F_DUPFD_CLOEXEC, SpawnPlan.environmentFD + 1)
            close(fd)
            fd = moved
            guard fd >= 0 else {
                return .failure(
                    SandboxError(
                        .spawnFailed, "cannot move the environment memfd: \(SystemFiles.errnoText())",
                        fix: "raise kjobd's open-file limit"))
            }
        }
        guard SystemFiles.writeAll(fd, bytes) else {
            let reason = SystemFiles.errnoText()
            close(fd)
            return .failure(
                SandboxError(
                    .spawnFailed, "cannot write the environment memfd: \(reason)",
                    fix: "check kjobd's memory limits"))
        }
        return .success(fd)
    }

    /// posix_spawn with stdin from /dev/null, stdout/stderr to the pipes, `handedEnvironment` on
    /// `SpawnPlan.environmentFD`, a new session, default signal dispositions and an empty mask (the
    /// daemon ignores SIGPIPE; children must not).
    static func posixSpawn(_ spawn: Spawn, stdout: Int32, stderr: Int32) -> Result<Int32, SandboxError> {
        var environmentFile: Int32?
        if let handed = spawn.handedEnvironment {
            switch memoryFile(handed) {
            case .success(let fd): environmentFile = fd
            case .failure(let error): return .failure(error)
            }
        }
        defer { if let environmentFile { close(environmentFile) } }
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
        if let environmentFile { posix_spawn_file_actions_adddup2(&actions, environmentFile, SpawnPlan.environmentFD) }
        if let closeFrom = addCloseFrom {
            // glibc ≥ 2.34: nothing else crosses exec even for commands spawned without kjob-spawn.
            _ = closeFrom(&actions, environmentFile == nil ? 3 : SpawnPlan.environmentFD + 1)
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
            return .failure(
                SandboxError(
                    .spawnFailed, "cannot start \(spawn.argv[0]): \(SystemFiles.errnoText(status))",
                    fix: "check that the program exists and is executable"))
        }
        return .success(pid)
    }
}
