import Foundation
import Testing

@testable import KJobSandbox

#if canImport(Glibc)
    import Glibc
#endif

/// Real children through the `process` backend.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ProcessBackendTests {
    @Test func environmentWorkdirAndStdinAreExactlyAsSpecified() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let sink = CollectingSink()
        let outcome = await sandbox.executor.run(
            sandbox.request(
                "env; echo \"CWD=$(pwd)\"; echo \"STDIN=$(readlink /proc/self/fd/0)\"; echo \"MODE=$(stat -c %a .)\"; echo \"FDS=$(ls /proc/self/fd | tr '\\n' ' ')\"",
                env: ["JOB_VAR": "from job"], sinks: [sink]))
        #expect(outcome.status == .succeeded, "\(outcome)")
        let env = Probe.environment(await sink.text(of: .stdout))
        let workdir = try #require(env["CWD"])
        #expect(workdir.hasPrefix("\(sandbox.root)/work/test-job/"))
        #expect(env["HOME"] == workdir)
        #expect(env["STDIN"] == "/dev/null")
        #expect(env["MODE"] == "700")
        #expect(env["LANG"] == "C.UTF-8")
        #expect(env["TZ"] == "Europe/Lisbon")
        #expect(env["JOB_VAR"] == "from job")
        #expect(env["KJOB_JOB"] == "test-job")
        #expect(env["KJOB_EPOCH"] == "42")
        #expect(env["KJOB_ATTEMPT"] == "1")
        #expect(env["KJOB_SCHEDULED_FOR"] == "2027-01-15T08:00:00Z")
        #expect(env["KJOB_RUN_ID"] == workdir.split(separator: "/").last.map(String.init))
        #expect(env["KJOB_PROMPT"]?.hasPrefix("env; echo") == true)
        #expect(env["NOT_LISTED"] == nil)
        #expect(env["KJOBD_DATABASE_URL"] == nil)
        // 0, 1, 2 and the fd `ls` itself opens: nothing leaked from the daemon.
        #expect(env["FDS"]?.split(separator: " ").count == 4, "\(env["FDS"] ?? "")")
        // Removed after a successful run (keep = never).
        #expect(!FileManager.default.fileExists(atPath: workdir))
    }

    @Test(.enabled(if: Node.isRoot, "run_as applies only when kjobd is root"))
    func dropsToTheRunUserWhenRoot() async throws {
        let user = try #require(RunUser.lookup("kjob-run"), "scripts/ensure-deps creates the kjob-run user")
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let sink = CollectingSink()
        let outcome = await sandbox.executor.run(sandbox.request("id -u; id -g; touch ./mine && stat -c %U mine", sinks: [sink]))
        #expect(outcome.status == .succeeded, "\(outcome)")
        let lines = await sink.text(of: .stdout).split(separator: "\n")
        #expect(lines == ["\(user.uid)", "\(user.gid)", "kjob-run"])
    }

    @Test func stdoutAndStderrInterleaveWithTagsInArrivalOrder() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let sink = CollectingSink()
        let outcome = await sandbox.executor.run(
            sandbox.request(
                "echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three; exit 3", sinks: [sink]))
        #expect(outcome.status == .failed)
        #expect(outcome.termination == .exited(3))
        let output = await sink.chunks.filter { $0.stream != .system }
        #expect(output.map(\.stream) == [.stdout, .stderr, .stdout])
        #expect(output.map(\.displayText) == ["one\n", "two\n", "three\n"])
        #expect(await sink.chunks.map(\.seq) == Array(0..<Int64(await sink.chunks.count)))
        #expect(outcome.stdoutTail == Array("one\nthree\n".utf8))
    }

    @Test func invalidUTF8RoundTripsByteExactThroughTheLogFile() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let outcome = await sandbox.executor.run(sandbox.request(#"printf '\377\376ok\303\n@kjob seq=9 len=1\n'; printf '\000\001' >&2"#))
        #expect(outcome.status == .succeeded, "\(outcome)")
        let path = try #require(outcome.logFile)
        #expect(path.hasPrefix("\(sandbox.root)/logs/test-job/") && path.hasSuffix(".log"))
        let chunks = try LogFileReader.read(path: path)
        let stdout = chunks.filter { $0.stream == .stdout }.flatMap(\.bytes)
        let stderr = chunks.filter { $0.stream == .stderr }.flatMap(\.bytes)
        #expect(stdout == [0xFF, 0xFE, 0x6F, 0x6B, 0xC3, 0x0A] + Array("@kjob seq=9 len=1\n".utf8))
        #expect(stderr == [0x00, 0x01])
    }

    @Test func timeoutKillsWithSigtermAndRecordsTimedOut() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let sink = CollectingSink()
        let outcome = await sandbox.executor.run(sandbox.request("exec sleep 60", timeout: .milliseconds(500), sinks: [sink]))
        #expect(outcome.status == .timedOut)
        #expect(outcome.killReason == .timeout)
        #expect(outcome.termination == .signaled(SIGTERM))
        #expect(await sink.chunks.contains { $0.stream == .system && $0.displayText.contains("timeout") })
        #expect(outcome.strayProcesses.isEmpty)
    }

    @Test(arguments: Node.hasRunCgroups ? [true, false] : [false])
    func setsidGrandchildrenThatIgnoreSigtermDieAfterATimeout(useCgroups: Bool) async throws {
        let sandbox = TestSandbox(useCgroups: useCgroups)
        defer { sandbox.cleanup() }
        #expect(sandbox.executor.usesCgroups == useCgroups)
        let sink = CollectingSink()
        let script = """
            setsid sh -c 'trap "" TERM; echo child=$$; exec sleep 1000' &
            (setsid sh -c 'trap "" TERM; echo orphan=$$; exec sleep 1000' &) ;
            trap "" TERM; echo main=$$; sleep 1000
            """
        let outcome = try await Probe.within(.seconds(60), "the run") {
            await sandbox.executor.run(sandbox.request(script, timeout: .seconds(2), sinks: [sink]))
        }
        #expect(outcome.status == .timedOut)
        #expect(outcome.termination == .signaled(SIGKILL))
        let env = Probe.environment(await sink.text(of: .stdout))
        let pids = ["main", "child", "orphan"].compactMap { env[$0].flatMap { Int32($0) } }
        #expect(pids.count == 3, "\(env)")
        for pid in pids {
            #expect(!Probe.isAlive(pid), "pid \(pid) survived")
            // Orphans adopted by the (subreaper) daemon are reaped, not left as zombies.
            #expect(Probe.parent(of: pid) != getpid(), "pid \(pid) is an unreaped zombie of the daemon")
        }
        #expect(outcome.strayProcesses.isEmpty)
        #expect(await sink.chunks.contains { $0.stream == .system && $0.displayText.contains("SIGKILL") })
    }

    @Test(.enabled(if: Node.hasRunCgroups, "fork bombs are contained by the run's pids cgroup"))
    func forkBombIsContainedAndTheNodeStaysHealthy() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let sink = CollectingSink()
        let outcome = try await Probe.within(.seconds(90), "the fork bomb run") {
            await sandbox.executor.run(
                sandbox.request(
                    "b() { b | b & }; b; exec sleep 1000", timeout: .seconds(3),
                    limits: ResourceLimits(processes: 64), sinks: [sink]))
        }
        #expect(outcome.status == .timedOut)
        // The bomb's orphans were adopted by this (subreaper) process: all reaped, none left as zombies.
        let root = try #require(outcome.pid)
        let zombies = SystemFiles.processTable().filter { $0.ppid == getpid() && $0.zombie && $0.session == root }
        #expect(zombies.isEmpty, "\(zombies.count) zombies of the run left unreaped")
        // The limit is what stopped it: forks failed inside the run.
        #expect(await sink.text(of: .stderr).contains("fork"))
        #expect(outcome.strayProcesses.isEmpty)
        // The node still spawns, and nothing of the bomb is left in kjob's cgroups.
        let after = await sandbox.executor.run(sandbox.request("echo alive"))
        #expect(after.status == .succeeded)
        #expect(after.stdoutTail == Array("alive\n".utf8))
    }

    @Test func aGibibyteOfOutputIsCappedWhileMemoryStaysFlat() async throws {
        let sandbox = TestSandbox(maxLogBytes: 10 << 20)
        defer { sandbox.cleanup() }
        // Warm up allocators and the executor's code paths first.
        _ = await sandbox.executor.run(sandbox.request("head -c 20M /dev/zero"))
        let before = Probe.residentKiB()
        let sink = CountingSink()
        let outcome = try await Probe.within(.seconds(150), "1 GiB of output") {
            await sandbox.executor.run(sandbox.request("head -c 1G /dev/zero; echo done >&2", sinks: [sink]))
        }
        let growth = Probe.residentKiB() - before
        #expect(outcome.status == .succeeded, "\(outcome)")
        #expect(outcome.log.totalBytes == (1 << 30) + 5)
        #expect(outcome.log.capturedBytes == 10 << 20)
        #expect(outcome.log.discardedBytes == (1 << 30) + 5 - (10 << 20))
        #expect(await sink.bytes == 10 << 20)
        let notes = await sink.systemNotes
        #expect(notes.contains { $0.contains("truncated") })
        #expect(notes.contains { $0.contains("discarded") })
        #expect(growth < 64 * 1024, "RSS grew by \(growth) KiB")
        let fileSize = try FileManager.default.attributesOfItem(atPath: try #require(outcome.logFile))[.size] as? Int ?? 0
        #expect(fileSize > 10 << 20 && fileSize < 11 << 20)
    }

    @Test func cancellingTheTaskCancelsTheRun() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let sink = CollectingSink()
        let task = Task { await sandbox.executor.run(sandbox.request("echo ready; exec sleep 60", sinks: [sink])) }
        try await Probe.within(.seconds(30), "the child's first output") { await sink.waitFor("ready") }
        task.cancel()
        let outcome = try await Probe.within(.seconds(30), "the cancelled run's end") { await task.value }
        #expect(outcome.status == .cancelled)
        #expect(outcome.termination == .signaled(SIGTERM))
    }

    @Test func killsThatRaceTheSpawnStillKill() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        for _ in 0..<5 {
            let outcome = try await Probe.within(.seconds(30), "a run timed out at once") {
                await sandbox.executor.run(sandbox.request("exec sleep 60", timeout: .milliseconds(1)))
            }
            #expect(outcome.status == .timedOut)
            #expect(outcome.strayProcesses.isEmpty)
        }
        let task = Task { await sandbox.executor.run(sandbox.request("exec sleep 60")) }
        task.cancel()
        let cancelled = try await Probe.within(.seconds(30), "a run cancelled at once") { await task.value }
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.strayProcesses.isEmpty)
    }

    @Test func demotionKillsEveryRunningRunAsLost() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let sinks = [CollectingSink(), CollectingSink()]
        let executor = sandbox.executor
        let tasks = sinks.map { sink in
            Task { await executor.run(sandbox.request("echo ready; exec sleep 60", sinks: [sink])) }
        }
        for sink in sinks { try await Probe.within(.seconds(30), "a child's output") { await sink.waitFor("ready") } }
        #expect(executor.runningCount == 2)
        executor.killAll(.demoted)
        for task in tasks {
            let outcome = try await Probe.within(.seconds(30), "the demoted run's end") { await task.value }
            #expect(outcome.status == .lost)
            #expect(outcome.killReason == .demoted)
        }
        #expect(executor.runningCount == 0)
    }

    @Test func limitsAreApplied() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let sink = CollectingSink()
        let outcome = await sandbox.executor.run(
            sandbox.request(
                "ulimit -n; ulimit -t; cat /proc/self/cgroup | grep -c kjob",
                limits: ResourceLimits(memoryBytes: 256 << 20, cpuSeconds: 30, openFiles: 77, processes: 50), sinks: [sink]))
        #expect(outcome.status == .succeeded, "\(outcome)")
        let lines = await sink.text(of: .stdout).split(separator: "\n")
        #expect(lines.first == "77")
        #expect(lines.dropFirst().first == "30")
        if sandbox.executor.usesCgroups { #expect((Int(lines.last ?? "") ?? 0) >= 1) }
    }

    @Test func cpuTimeLimitStopsABusyLoop() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let outcome = try await Probe.within(.seconds(90), "the busy loop") {
            await sandbox.executor.run(
                sandbox.request(
                    "while :; do :; done", timeout: .seconds(60),
                    limits: ResourceLimits(cpuSeconds: 1)))
        }
        #expect(outcome.status == .failed, "\(outcome)")
        #expect(outcome.killReason == nil)
        #expect(outcome.signal == SIGXCPU || outcome.signal == SIGKILL, "\(outcome)")
    }

    @Test func memoryLimitStopsAHog() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        // 64 MiB for the run; the shell tries to hold 256 MiB in a variable.
        let outcome = try await Probe.within(.seconds(90), "the memory hog") {
            await sandbox.executor.run(
                sandbox.request(
                    "x=$(head -c 256M /dev/zero | tr '\\0' a); echo survived ${#x}",
                    timeout: .seconds(60), limits: ResourceLimits(memoryBytes: 64 << 20)))
        }
        #expect(outcome.status == .failed, "\(outcome)")
        #expect(!String(decoding: outcome.stdoutTail, as: UTF8.self).contains("survived"))
    }

    @Test func missingProgramAndUnknownAgentAreClearFailures() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let missing = await sandbox.executor.run(sandbox.request("exec /nonexistent/agent"))
        #expect(missing.status == .failed)
        #expect(missing.termination == .exited(127))
        var request = sandbox.request("true")
        request.agent = "nope"
        let unknown = await sandbox.executor.run(request)
        #expect(unknown.status == .failed)
        #expect(unknown.error?.code == .unknownAgent)
        #expect(unknown.termination == nil)
    }

    @Test func aFailingSinkIsReportedAndTheOthersGetEverything() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let good = CollectingSink()
        let outcome = await sandbox.executor.run(sandbox.request("echo one; echo two", sinks: [FailingSink(), good]))
        #expect(outcome.status == .succeeded)
        #expect(outcome.sinkFailures.count == 1)
        #expect(await good.text(of: .stdout) == "one\ntwo\n")
        let file = try LogFileReader.read(path: try #require(outcome.logFile))
        #expect(String(decoding: file.flatMap(\.bytes), as: UTF8.self) == "one\ntwo\n")
    }

    @Test func parallelRunsKeepTheirOutputAndEnvironmentApart() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let executor = sandbox.executor
        // Run ids name node-wide cgroups: unique per test process, so concurrent suites never collide.
        let prefix = "parallel-\(UUID().uuidString.prefix(8).lowercased())"
        let results = await withTaskGroup(of: (Int, RunOutcome, String).self) { group in
            for index in 0..<8 {
                group.addTask {
                    let sink = CollectingSink()
                    let outcome = await executor.run(
                        sandbox.request(
                            "i=0; while [ $i -lt 200 ]; do echo \"$N $KJOB_RUN_ID\"; i=$((i+1)); done",
                            runID: "\(prefix)-\(index)", env: ["N": "\(index)"], sinks: [sink]))
                    return (index, outcome, await sink.text(of: .stdout))
                }
            }
            var all: [(Int, RunOutcome, String)] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 8)
        for (index, outcome, text) in results {
            #expect(outcome.status == .succeeded, "\(outcome)")
            let lines = text.split(separator: "\n")
            #expect(lines.count == 200)
            #expect(lines.allSatisfy { $0 == "\(index) \(prefix)-\(index)" })
        }
    }

    @Test func failedRunsKeepTheirWorkdirWhenAsked() async throws {
        let sandbox = TestSandbox(keepWorkdir: .onFailure)
        defer { sandbox.cleanup() }
        let failed = await sandbox.executor.run(sandbox.request("echo evidence > notes.txt; exit 1"))
        let kept = try #require(failed.keptWorkdir)
        #expect(FileManager.default.contents(atPath: "\(kept)/notes.txt") == Data("evidence\n".utf8))
        let ok = await sandbox.executor.run(sandbox.request("true"))
        #expect(ok.keptWorkdir == nil)
    }
}
