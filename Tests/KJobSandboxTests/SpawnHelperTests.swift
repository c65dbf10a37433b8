import Foundation
import Testing

@testable import KJobSandbox

#if canImport(Glibc)
    import Glibc
#endif

/// The built `kjob-spawn` (C) run directly: its argv contract with `SpawnPlan.arguments`, its
/// effects, and its exit statuses (125 setup, 126 not executable, 127 not found).
@Suite(.timeLimit(.minutes(2)))
struct SpawnHelperTests {
    /// It runs once per run: it must not load the Swift runtime (main.c says how it is linked).
    @Test func needsOnlyLibc() throws {
        let binary = try Data(contentsOf: URL(fileURLWithPath: try SpawnHelper.path()))
        #expect(binary.range(of: Data("libc.so.6".utf8)) != nil)
        #expect(binary.range(of: Data("libswiftCore".utf8)) == nil, "kjob-spawn links the Swift runtime again")
        #expect(binary.range(of: Data("libstdc++".utf8)) == nil)
    }

    @Test(arguments: [
        [], ["--"], ["--rlimit", "cpu=5", "--", "x"], ["--rlimit", "stack=1:1", "--", "x"],
        ["--rlimit", "cpu=9:1", "--", "x"], ["--rlimit", "cpu=-1:2", "--", "x"],
        ["--rlimit", "cpu=99999999999999999999:99999999999999999999", "--", "x"],
        ["--user"], ["--bogus", "--", "x"], ["x"], ["--env-fd"], ["--env-fd", "x", "--", "x"],
        ["--env-fd", "2", "--", "x"], ["--env-fd", "9", "--", "x"]
    ])
    func rejectsBadArgumentsBeforeDoingAnything(arguments: [String]) async throws {
        let result = try await SpawnHelper.run(arguments)
        #expect(result.termination == .exited(125), "\(result)")
        #expect(result.output.hasPrefix("kjob-spawn: "), "\(result)")
        #expect(result.output.split(separator: "\n").count == 1, "\(result)")
    }

    @Test func namesWhatIsWrong() async throws {
        #expect(try await SpawnHelper.run(["--chdir", "/w"]).output == "kjob-spawn: missing -- before the command\n")
        #expect(try await SpawnHelper.run(["--chdir"]).output == "kjob-spawn: --chdir needs a value\n")
        #expect(
            try await SpawnHelper.run(["--rlimit", "nofile=2:1", "--", "true"]).output
                == "kjob-spawn: bad --rlimit nofile=2:1; expected as|cpu|nofile|nproc=SOFT:HARD\n")
        let missingDirectory = try await SpawnHelper.run(["--chdir", "/nonexistent/kjob", "--", "true"])
        #expect(missingDirectory.termination == .exited(125))
        #expect(missingDirectory.output == "kjob-spawn: cannot enter /nonexistent/kjob: No such file or directory\n")
        let missingCgroup = try await SpawnHelper.run(["--cgroup", "/nonexistent/cgroup.procs", "--", "true"])
        #expect(missingCgroup.termination == .exited(125))
        #expect(missingCgroup.output.hasPrefix("kjob-spawn: cannot open /nonexistent/cgroup.procs: "))
    }

    @Test func missingAndNonExecutableCommandsExitLikeAShell() async throws {
        let missing = try await SpawnHelper.run(["--", "/nonexistent/agent"])
        #expect(missing.termination == .exited(127))
        #expect(missing.output == "kjob-spawn: cannot run /nonexistent/agent: No such file or directory\n")
        let unknown = try await SpawnHelper.run(["--", "kjob-no-such-agent"])
        #expect(unknown.termination == .exited(127))
        let file = "/tmp/kjob-spawn-test-\(UUID().uuidString.lowercased())"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("echo ran\n".utf8), attributes: [.posixPermissions: 0o644]))
        defer { unlink(file) }
        let notExecutable = try await SpawnHelper.run(["--", file])
        #expect(notExecutable.termination == .exited(126))
        #expect(notExecutable.output == "kjob-spawn: cannot run \(file): Permission denied\n")
    }

    @Test func appliesThePlanAndClosesInheritedDescriptors() async throws {
        let directory = "/tmp/kjob-spawn-test-\(UUID().uuidString.lowercased())"
        #expect(mkdir(directory, 0o755) == 0)
        defer { rmdir(directory) }
        let plan = SpawnPlan(
            limits: [.cpu: .init(soft: 30, hard: 31), .nofile: .init(soft: 77, hard: 77)],
            directory: directory,
            command: ["/bin/sh", "-c", "ulimit -n; ulimit -Hn; ulimit -t; ulimit -Ht; pwd; ls /proc/self/fd | tr '\\n' ' '", "--", "x"])
        let result = try await SpawnHelper.run(plan.arguments)
        #expect(result.termination == .exited(0), "\(result)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.dropLast() == ["77", "77", "30", "31", directory], "\(result)")
        // 0, 1, 2 and the fd `ls` itself opens: the descriptor left open for the test is gone.
        #expect(lines.last?.split(separator: " ").count == 4, "\(result)")
    }

    /// With --env-fd the command gets exactly the handed entries (none of the helper's own), in order.
    @Test func theHandedEnvironmentIsTheCommandsWholeEnvironment() async throws {
        let handed = ["A=1", "SECRET=x y=z", "PATH=/usr/bin:/bin", "EMPTY="]
        let plan = SpawnPlan(environment: handed, command: ["/usr/bin/env"])
        let result = try await SpawnHelper.run(plan.arguments, handing: try plan.environmentBlock)
        #expect(result.termination == .exited(0), "\(result)")
        #expect(result.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) == handed, "\(result)")
    }

    /// The command is looked up on the handed PATH, not on the helper's own.
    @Test func theCommandIsFoundOnTheHandedPath() async throws {
        let directory = "/tmp/kjob-spawn-test-\(UUID().uuidString.lowercased())"
        #expect(mkdir(directory, 0o755) == 0)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(
            FileManager.default.createFile(
                atPath: "\(directory)/kjob-handed-probe", contents: Data("#!/bin/sh\necho handed\n".utf8),
                attributes: [.posixPermissions: 0o755]))
        let plan = SpawnPlan(environment: ["PATH=\(directory)"], command: ["kjob-handed-probe"])
        let found = try await SpawnHelper.run(plan.arguments, handing: try plan.environmentBlock)
        #expect(found == .init(termination: .exited(0), output: "handed\n"), "\(found)")
        let elsewhere = SpawnPlan(environment: ["PATH=/usr/bin:/bin"], command: ["kjob-handed-probe"])
        let missing = try await SpawnHelper.run(elsewhere.arguments, handing: try elsewhere.environmentBlock)
        #expect(missing.termination == .exited(127), "\(missing)")
    }

    @Test func aBadHandedEnvironmentIsASetupFailureThatShowsNoValue() async throws {
        let plan = SpawnPlan(environment: [], command: ["/bin/true"])
        let notNameValue = try await SpawnHelper.run(plan.arguments, handing: Array("A=1\0SECRET-VALUE\0".utf8))
        #expect(notNameValue == .init(termination: .exited(125), output: "kjob-spawn: environment entry 2 on fd 3 is not NAME=VALUE\n"))
        let unterminated = try await SpawnHelper.run(plan.arguments, handing: Array("A=SECRET-VALUE".utf8))
        #expect(unterminated == .init(termination: .exited(125), output: "kjob-spawn: the environment on fd 3 does not end with a NUL\n"))
        let closed = try await SpawnHelper.run(["--env-fd", "999", "--", "/bin/true"])
        #expect(closed == .init(termination: .exited(125), output: "kjob-spawn: cannot read the environment from fd 999: Bad file descriptor\n"))
        let empty = try await SpawnHelper.run(SpawnPlan(environment: [], command: ["/usr/bin/env"]).arguments, handing: [])
        #expect(empty == .init(termination: .exited(0), output: ""), "\(empty)")
    }

    /// The helper starts as root; the handed environment (here a loader preload) takes effect only
    /// in the command, after the switch to the user: the constructor runs as kjob-run, never as root.
    @Test(.enabled(if: Node.isRoot, "dropping to a user needs root"))
    func aHandedPreloadRunsOnlyAsTheUser() async throws {
        let user = try #require(RunUser.lookup("kjob-run"), "scripts/ensure-deps creates the kjob-run user")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let library = try scratch.preloadLibrary()
        let plan = SpawnPlan(user: "kjob-run", environment: ["LD_PRELOAD=\(library)", "PATH=/usr/bin:/bin"], command: ["/bin/true"])
        let result = try await SpawnHelper.run(plan.arguments, handing: try plan.environmentBlock)
        #expect(result.termination == .exited(0), "\(result)")
        #expect(scratch.lines("marker") == ["\(user.uid)"])
    }

    @Test(.enabled(if: Node.isRoot, "dropping to a user needs root"))
    func dropsToTheUserWithItsGroups() async throws {
        let user = try #require(RunUser.lookup("kjob-run"), "scripts/ensure-deps creates the kjob-run user")
        let result = try await SpawnHelper.run(SpawnPlan(user: "kjob-run", command: ["/bin/sh", "-c", "id -u; id -g; id -G"]).arguments)
        #expect(result.termination == .exited(0), "\(result)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["\(user.uid)", "\(user.gid)"], "\(result)")
        // Exactly the user's groups (initgroups): none of root's cross over.
        var count: Int32 = 256
        var groups = [gid_t](repeating: 0, count: 256)
        #expect(getgrouplist("kjob-run", user.gid, &groups, &count) >= 0)
        let expected = Set(groups.prefix(Int(count)).map { "\($0)" })
        #expect(Set((lines.dropFirst(2).first ?? "").split(separator: " ").map(String.init)) == expected, "\(result)")
        let unknown = try await SpawnHelper.run(["--user", "kjob-no-such-user", "--", "true"])
        #expect(unknown.termination == .exited(125))
        #expect(unknown.output == "kjob-spawn: no user named kjob-no-such-user\n")
    }
}

/// Runs the built helper with posix_spawn and no close-from, so one descriptor (the output file)
/// reaches it without close-on-exec, as a careless daemon would leave it. `handing` goes on
/// `SpawnPlan.environmentFD` as the daemon hands it (`ChildSupervisor.memoryFile`).
enum SpawnHelper {
    struct Result: Sendable, Equatable, CustomStringConvertible {
        var termination: ProcessTermination
        var output: String
        var description: String { "\(termination): \(output.debugDescription)" }
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    static func path() throws -> String {
        let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let helper = (own as NSString).deletingLastPathComponent + "/kjob-spawn"
        guard access(helper, X_OK) == 0 else { throw Failed(description: "\(helper) is not built (swift build)") }
        return helper
    }

    static func run(_ arguments: [String], handing: [UInt8]? = nil) async throws -> Result {
        let helper = try path()
        var handed: Int32?
        if let handing { handed = try ChildSupervisor.memoryFile(handing).get() }
        defer { if let handed { close(handed) } }
        let outputPath = "/tmp/kjob-spawn-test-\(UUID().uuidString.lowercased()).out"
        defer { unlink(outputPath) }
        let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)  // deliberately inheritable
        guard output >= 0 else { throw Failed(description: "cannot create \(outputPath)") }
        defer { close(output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        if let handed { posix_spawn_file_actions_adddup2(&actions, handed, SpawnPlan.environmentFD) }
        let argv = ([helper] + arguments).map { strdup($0) } + [nil]
        let environment: [String] = ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C"]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var status: Int32 = 0
        let pid = ChildRegistry.spawn {
            var pid: pid_t = 0
            status = posix_spawn(&pid, helper, &actions, nil, argv, envp)
            return status == 0 ? pid : nil
        }
        guard let pid else { throw Failed(description: "posix_spawn \(helper): \(SystemFiles.errnoText(status))") }
        defer { ChildRegistry.reaped(pid) }
        let deadline = ContinuousClock.now + .seconds(30)
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, WNOHANG) != pid {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &waitStatus, 0)
                throw Failed(description: "kjob-spawn \(arguments) did not exit within 30 s")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        let text = SystemFiles.read(outputPath) ?? ""
        return Result(termination: ProcessTermination(waitStatus: waitStatus), output: text)
    }
}
