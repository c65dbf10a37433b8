import Foundation
import KJobCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Bare `posix_spawn` + `waitpid`: the physical floor every run pays, with stdin and stdout on
/// /dev/null and nothing else (no pipes, no session, no sandbox).
enum PosixSpawn {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Spawns `argv` (absolute program path) and waits; returns the exit status.
    static func run(_ argv: [String], environment: [String] = ["PATH=/usr/bin:/bin"]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in cArgv { free(pointer) }
            for pointer in cEnv { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, nil, cArgv, cEnv)
        guard status == 0 else { throw Failure(description: "posix_spawn \(argv[0]): \(String(cString: strerror(status)))") }
        var wstatus: Int32 = 0
        while waitpid(pid, &wstatus, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "waitpid: \(String(cString: strerror(errno)))") }
        }
        return wstatus
    }

    /// Per-call wall times in milliseconds of `count` spawns, `parallel` at a time (threads).
    static func measure(_ argv: [String], count: Int, parallel: Int) throws -> (perCall: [Double], wall: Duration) {
        let clock = ContinuousClock()
        let collected = Mutex<(times: [Double], failures: Int)>(([], 0))
        let workers = max(1, parallel)
        let start = clock.now
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var times: [Double] = []
            var failures = 0
            for _ in stride(from: worker, to: count, by: workers) {
                let began = clock.now
                if (try? run(argv)) == nil { failures += 1 }
                times.append((clock.now - began).fractionalMilliseconds)
            }
            collected.withLock {
                $0.times += times
                $0.failures += failures
            }
        }
        let wall = clock.now - start
        let (times, failures) = collected.withLock { ($0.times, $0.failures) }
        if failures > 0 { throw Failure(description: "\(failures) spawns of \(argv[0]) failed") }
        return (times, wall)
    }
}
