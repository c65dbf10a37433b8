import Foundation
import KJobCore
import Testing

@testable import KJobSandbox

#if canImport(Glibc)
    import Glibc
#endif

/// The podman backend for real: rootful podman running the LXC pair's cached Debian rootfs, imported
/// as a local image by `scripts/lxc-sys podman-image` (no registry needed).
@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: PodmanImage.available, "podman or its image is missing (scripts/ensure-deps podman; scripts/lxc-sys podman-image)"))
struct PodmanBackendTests {
    let podman = JobSpec.Sandbox(backend: .podman, image: PodmanImage.name)

    @Test func runsWithoutNetworkAsTheRunUserWithinItsMemoryAndPidsLimits() async throws {
        let sandbox = TestSandbox(daemonEnvironment: PodmanImage.daemonEnvironment)
        defer { sandbox.cleanup() }
        try await sandbox.executor.availability(of: .podman).get()  // fails with the node's reason
        let sink = CollectingSink()
        let script = """
            echo net=$(ls /sys/class/net | tr '\\n' ' ')
            for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do [ -r $f ] && echo memory=$(cat $f); done
            for f in /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max; do [ -r $f ] && echo pids=$(cat $f); done
            echo uid=$(id -u) workdir=$(pwd)
            """
        let outcome = await sandbox.executor.run(
            sandbox.request(
                script, sandbox: podman,
                limits: ResourceLimits(memoryBytes: 64 << 20, processes: 32),
                sinks: [sink]))
        let stderr = await sink.text(of: .stderr)
        #expect(outcome.status == .succeeded, "\(outcome) \(stderr)")
        let result = Probe.environment(await sink.text(of: .stdout))
        #expect(result["net"] == "lo", "only loopback: \(result)")
        #expect(result["memory"] == String(64 << 20))
        #expect(result["pids"] == "32")
        #expect(result["uid"] == String(getpwnam("kjob-run").pointee.pw_uid) + " workdir=/work")
    }

    @Test func timeoutKillsTheContainerAndItsTree() async throws {
        let sandbox = TestSandbox(daemonEnvironment: PodmanImage.daemonEnvironment)
        defer { sandbox.cleanup() }
        try await sandbox.executor.availability(of: .podman).get()
        let runID = UUID().uuidString.lowercased()
        let outcome = try await Probe.within(.seconds(120), "the podman run") {
            await sandbox.executor.run(
                sandbox.request(
                    "trap '' TERM; sleep 1000 & sleep 1000", runID: runID,
                    sandbox: self.podman, timeout: .seconds(2)))
        }
        #expect(outcome.status == .timedOut)
        #expect(outcome.strayProcesses.isEmpty)
        // The container is gone, with the sleeps in it (killed, then removed: its client died before --rm).
        let deadline = ContinuousClock.now + .seconds(30)
        var remaining = PodmanImage.podman(["ps", "-a", "-q", "--filter", "name=kjob-\(runID)"]).output
        while !remaining.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            remaining = PodmanImage.podman(["ps", "-a", "-q", "--filter", "name=kjob-\(runID)"]).output
        }
        #expect(remaining.isEmpty, "container kjob-\(runID) still exists")
    }
}

enum PodmanImage {
    /// `scripts/lxc-sys podman-image` imports the cached rootfs under this name.
    static let name = ProcessInfo.processInfo.environment["KJOB_TEST_PODMAN_IMAGE"] ?? "localhost/kjob-lxc:bookworm"

    static let executable = SandboxExecutor.which("podman", path: TestSandbox.daemonEnvironment["PATH"])

    static let available: Bool = Node.isRoot && executable != nil && podman(["image", "exists", name]).status == 0

    /// crun refuses a hybrid cgroup host (controllers in both hierarchies); runc runs there. kjobd
    /// passes CONTAINERS_CONF to the engine like DOCKER_HOST, so a node configures it the same way.
    static let daemonEnvironment: [String: String] = {
        var env = TestSandbox.daemonEnvironment
        let unified = (try? String(contentsOfFile: "/sys/fs/cgroup/unified/cgroup.controllers", encoding: .utf8)) ?? ""
        if !unified.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let path = "/tmp/kjob-test-containers-\(getpid()).conf"
            try? "[engine]\nruntime = \"runc\"\n".write(toFile: path, atomically: true, encoding: .utf8)
            env["CONTAINERS_CONF"] = path
        }
        return env
    }()

    static func podman(_ arguments: [String]) -> (status: Int32, output: String) {
        guard let executable else { return (127, "") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = daemonEnvironment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return (127, "") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
