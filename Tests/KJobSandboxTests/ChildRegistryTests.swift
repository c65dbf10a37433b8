import Testing

@testable import KJobSandbox

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.minutes(1)))
struct ChildRegistryTests {
    /// The cheap check that lets a run skip the /proc scan for orphans must see an exited child
    /// (and leave it for its own waiter).
    @Test func seesAnExitedChildWithoutReapingIt() async throws {
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        let pid = try #require(
            ChildRegistry.spawn {
                var pid: pid_t = 0
                return posix_spawn(&pid, "/bin/true", nil, nil, argv, nil) == 0 ? pid : nil
            })
        defer { ChildRegistry.reaped(pid) }
        // Exited (a zombie) once WNOWAIT reports it; that reaps nothing.
        let deadline = ContinuousClock.now + .seconds(30)
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info.si_signo == 0 {
            #expect(ContinuousClock.now < deadline, "/bin/true did not exit")
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(ChildRegistry.hasZombieChild())
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid, "the check must not have reaped it")
        #expect(status == 0)
    }
}
