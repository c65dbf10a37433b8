import Foundation
import Testing

@testable import KJobSandbox

#if canImport(Glibc)
    import Glibc
    import KJobCore
#endif

/// Real children in bubblewrap (installed by scripts/ensure-deps).
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: Node.hasBwrap, "bwrap is not installed (scripts/ensure-deps bwrap)"))
struct BwrapBackendTests {
    let bwrap = JobSpec.Sandbox(backend: .bwrap)

    @Test func cannotWriteOutsideItsWorkdirAndTmp() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        try await sandbox.executor.availability(of: .bwrap).get()  // fails with the node's reason
        let sink = CollectingSink()
        let script = """
            for f in /etc/kjob-x /root/kjob-x /usr/kjob-x /var/tmp/kjob-x ./inside /tmp/inside \(sandbox.root)/kjob-x; do
              if touch "$f" 2>/dev/null; then echo "$f=written"; else echo "$f=denied"; fi
            done
            """
        let outcome = await sandbox.executor.run(sandbox.request(script, sandbox: bwrap, sinks: [sink]))
        #expect(outcome.status == .succeeded, "\(outcome)")
        let result = Probe.environment(await sink.text(of: .stdout))
        #expect(result["/etc/kjob-x"] == "denied")
        #expect(result["/root/kjob-x"] == "denied")
        #expect(result["/usr/kjob-x"] == "denied")
        #expect(result["/var/tmp/kjob-x"] == "denied")
        #expect(result["./inside"] == "written")
        #expect(result["/tmp/inside"] == "written")
        #expect(!FileManager.default.fileExists(atPath: "/etc/kjob-x"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/inside"), "bwrap's /tmp is private")
        // The workdir's parents exist only in the private /tmp: writing there leaves no trace outside.
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.root)/kjob-x"))
    }

    @Test func hasNoNetworkUnlessTheJobAsks() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        try await sandbox.executor.availability(of: .bwrap).get()  // fails with the node's reason
        let listener = try Listener()
        defer { listener.close() }
        let script = "if bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(listener.port)' 2>/dev/null; then echo connected; else echo refused; fi"

        let isolated = CollectingSink()
        let closed = await sandbox.executor.run(sandbox.request(script, sandbox: bwrap, sinks: [isolated]))
        #expect(closed.status == .succeeded, "\(closed)")
        #expect(await isolated.text(of: .stdout) == "refused\n")

        let networked = CollectingSink()
        var open = bwrap
        open.network = true
        let opened = await sandbox.executor.run(sandbox.request(script, sandbox: open, sinks: [networked]))
        #expect(opened.status == .succeeded, "\(opened)")
        #expect(await networked.text(of: .stdout) == "connected\n")
    }

    @Test func timeoutKillsTheSandboxedTree() async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        try await sandbox.executor.availability(of: .bwrap).get()  // fails with the node's reason
        let outcome = try await Probe.within(.seconds(60), "the bwrap run") {
            await sandbox.executor.run(
                sandbox.request(
                    "trap '' TERM; sleep 1000 & sleep 1000", sandbox: self.bwrap,
                    timeout: .seconds(1)))
        }
        #expect(outcome.status == .timedOut)
        #expect(outcome.strayProcesses.isEmpty)
    }

    @Test func missingBwrapIsAClearErrorNotAFallback() async throws {
        let sandbox = TestSandbox(bwrapPath: "/nonexistent/bwrap")
        defer { sandbox.cleanup() }
        let outcome = await sandbox.executor.run(sandbox.request("echo ran", sandbox: bwrap))
        #expect(outcome.status == .failed)
        #expect(outcome.error?.code == .backendUnavailable)
        #expect(outcome.error?.message.contains("bwrap") == true)
        #expect(outcome.termination == nil)
    }
}

@Suite struct ContainerBackendTests {
    @Test(arguments: [SandboxBackend.docker, .podman])
    func withoutAWorkingEngineJobsAreRejectedWithAClearMessage(backend: SandboxBackend) async throws {
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let availability = await sandbox.executor.availability(of: backend)
        if availability.isSuccess { return }  // an engine exists here; nothing to check about its absence
        guard case .failure(let error) = availability else { return }
        #expect(error.code == .backendUnavailable)
        #expect(error.message.contains(backend.rawValue))
        let outcome = await sandbox.executor.run(sandbox.request("echo ran", sandbox: JobSpec.Sandbox(backend: backend, image: "debian")))
        #expect(outcome.status == .failed)
        #expect(outcome.error == error)
        #expect(outcome.termination == nil)
    }
}

/// A failed probe is remembered for 30 s, then tried again; a success for good.
@Suite struct ProbeExpiryTests {
    @Test func aFailedProbeExpiresAndASuccessStays() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let bin = try scratch.directory("node-bin")
        // A docker whose engine is down until `engine-up` exists.
        try scratch.script(
            "node-bin/docker",
            """
            if [ "$1" = version ] && [ -e \(scratch.path)/engine-up ]; then echo 99.0.0; exit 0; fi
            echo "Cannot connect to the Docker daemon" >&2; exit 1

            """)
        var daemon = TestSandbox.daemonEnvironment
        daemon["PATH"] = "\(bin):\(daemon["PATH"]!)"
        let clock = ManualClock()
        let sandbox = TestSandbox(daemonEnvironment: daemon, now: { clock.now })
        defer { sandbox.cleanup() }

        guard case .failure(let down) = await sandbox.executor.availability(of: .docker) else {
            Issue.record("the engine is down")
            return
        }
        #expect(down.message.contains("Cannot connect to the Docker daemon"), "\(down)")
        try scratch.write("engine-up", "", mode: 0o644)
        clock.advance(by: .seconds(29))
        #expect(!(await sandbox.executor.availability(of: .docker).isSuccess), "a failure is remembered for 30 s")
        clock.advance(by: .seconds(1))
        #expect(await sandbox.executor.availability(of: .docker).isSuccess, "probed again after 30 s")
        unlink("\(scratch.path)/engine-up")
        clock.advance(by: .seconds(3600))
        #expect(await sandbox.executor.availability(of: .docker).isSuccess, "a success is kept")
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}

/// A TCP listener on 127.0.0.1 (kernel-chosen port); connections wait in the backlog.
struct Listener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) }
        }
        guard socketFD >= 0, bound == 0, listen(socketFD, 16) == 0 else { throw ListenerError() }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        fd = socketFD
        port = UInt16(bigEndian: address.sin_port)
    }

    func close() { _ = Glibc.close(fd) }

    struct ListenerError: Error {}
}
