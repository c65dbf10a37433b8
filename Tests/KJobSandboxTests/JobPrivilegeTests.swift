import Foundation
import Testing

@testable import KJobSandbox

#if canImport(Glibc)
    import Glibc
    import KJobCore
#endif

/// A job can never reach root: not through the loader variables of its `env` (the spawn helper starts
/// as root), not through a `PATH` that shadows bwrap, docker, podman or the agent. These requests go
/// straight to the sandbox, past the job validator, so the spawn path itself is what is tested.
@Suite(.serialized, .timeLimit(.minutes(3)), .enabled(if: Node.isRoot, "needs root to drop to kjob-run"))
struct JobPrivilegeTests {
    @Test(arguments: [SandboxBackend.process, .bwrap])
    func aPreloadLibraryFromTheJobNeverRunsAsRoot(backend: SandboxBackend) async throws {
        if backend == .bwrap, !Node.hasBwrap { return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let library = try scratch.preloadLibrary()
        let sandbox = TestSandbox()
        defer { sandbox.cleanup() }
        let outcome = await sandbox.executor.run(
            sandbox.request(
                "echo ran", sandbox: JobSpec.Sandbox(backend: backend),
                env: ["LD_PRELOAD": library]))
        let euids = scratch.lines("marker")
        #expect(!euids.contains("0"), "the job's LD_PRELOAD constructor ran as root: \(euids); \(outcome)")
        // Defense in depth: the sandbox refuses the name itself, before anything starts.
        #expect(outcome.status == .failed, "\(outcome)")
        #expect(outcome.error?.message.contains("LD_PRELOAD") == true, "\(outcome)")
        #expect(outcome.termination == nil)
    }

    @Test func programsOnTheJobsPathNeverRunAsRoot() async throws {
        let runUser = try #require(RunUser.lookup("kjob-run"), "scripts/ensure-deps creates the kjob-run user")
        let scratch = try Scratch()
        defer { scratch.remove() }
        // The job's PATH shadows every program kjob starts for it; each fake records its euid.
        let jobBin = try scratch.directory("job-bin")
        for name in ["bwrap", "docker", "podman", "kjob-fake-agent"] {
            try scratch.script("job-bin/\(name)", "/usr/bin/id -u >> \(scratch.path)/marker\necho fake-\(name)-ran\n")
        }
        let nodeBin = try scratch.engineStandIns()
        var daemon = TestSandbox.daemonEnvironment
        daemon["PATH"] = "\(nodeBin):\(daemon["PATH"]!)"
        let sandbox = TestSandbox(
            daemonEnvironment: daemon,
            agents: [try AgentDefinition(name: "fake", command: ["kjob-fake-agent", "{prompt}"])])
        defer { sandbox.cleanup() }
        let env = ["PATH": jobBin]

        // process: the agent is looked up on the job's PATH, after the drop to kjob-run.
        let agent = CollectingSink()
        let viaAgent = await sandbox.executor.run(sandbox.request("x", env: env, sinks: [agent], agent: "fake"))
        #expect(viaAgent.status == .succeeded, "\(viaAgent)")
        #expect(await agent.text(of: .stdout) == "fake-kjob-fake-agent-ran\n")
        #expect(scratch.lines("marker") == ["\(runUser.uid)"])

        var backends: [JobSpec.Sandbox] = [JobSpec.Sandbox(backend: .docker, image: "alpine:3"), JobSpec.Sandbox(backend: .podman, image: "alpine:3")]
        if Node.hasBwrap { backends.append(JobSpec.Sandbox(backend: .bwrap)) }
        for spec in backends {
            let sink = CollectingSink()
            let outcome = await sandbox.executor.run(sandbox.request("echo sandboxed", sandbox: spec, env: env, sinks: [sink]))
            #expect(outcome.status == .succeeded, "\(spec.backend): \(outcome)")
            // The node's own program ran, never the job's.
            let output = await sink.text(of: .stdout)
            #expect(!output.contains("fake-"), "\(spec.backend): \(output)")
        }
        #expect(!scratch.lines("marker").contains("0"), "a program on the job's PATH ran as root: \(scratch.lines("marker"))")
        #expect(scratch.lines("marker") == ["\(runUser.uid)"], "only the agent, as kjob-run: \(scratch.lines("marker"))")
    }

    @Test(arguments: [SandboxBackend.docker, .podman])
    func theContainerEngineSeesNoneOfTheJobsEnvironment(backend: SandboxBackend) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let nodeBin = try scratch.engineStandIns()
        let jobBin = try scratch.directory("job-bin")
        try scratch.script("job-bin/\(backend.rawValue)", "/usr/bin/id -u >> \(scratch.path)/marker\n")
        var daemon = TestSandbox.daemonEnvironment
        daemon["PATH"] = "\(nodeBin):\(daemon["PATH"]!)"
        let sandbox = TestSandbox(daemonEnvironment: daemon)
        defer { sandbox.cleanup() }
        let secret = "s3cr3t-\(UUID().uuidString)"
        let sink = CollectingSink()
        let outcome = await sandbox.executor.run(
            sandbox.request(
                "echo in-container", sandbox: JobSpec.Sandbox(backend: backend, image: "alpine:3"),
                env: ["API_TOKEN": secret, "PATH": jobBin, "REGION": "eu"], sinks: [sink]))
        #expect(outcome.status == .succeeded, "\(outcome)")
        #expect(await sink.text(of: .stdout) == "engine-ran\n")

        // The engine that ran is the node's, by its absolute path; the job's never ran.
        #expect(scratch.lines("engine.self") == ["\(nodeBin)/\(backend.rawValue)"])
        #expect(scratch.lines("marker").isEmpty, "the job's \(backend.rawValue) ran: \(scratch.lines("marker"))")
        // Its environment holds nothing of the job's, its argv no value.
        let environ = scratch.fields("engine.environ")
        #expect(!environ.contains { $0.hasPrefix("API_TOKEN=") || $0.hasPrefix("REGION=") || $0.contains(secret) }, "\(environ)")
        #expect(!environ.contains { $0.hasPrefix("PATH=") && $0.contains(jobBin) }, "\(environ)")
        #expect(!environ.contains { $0.hasPrefix("KJOB_") }, "\(environ)")
        let argv = scratch.fields("engine.argv")
        #expect(!argv.contains { $0.contains(secret) || $0.contains("REGION") }, "\(argv)")
        // The values went through a 0600 file outside the job's working directory, gone after the run.
        let envFile = try #require(argv.firstIndex(of: "--env-file").map { argv[$0 + 1] }, "\(argv)")
        #expect(!envFile.hasPrefix("\(sandbox.root)/work/test-job/"), "\(envFile)")
        #expect(scratch.lines("engine.envfile.mode") == ["600"])
        let carried = scratch.lines("engine.envfile")
        #expect(carried.contains("API_TOKEN=\(secret)"), "\(carried)")
        #expect(carried.contains("REGION=eu"), "\(carried)")
        #expect(carried.contains("KJOB_PROMPT=echo in-container"), "\(carried)")
        #expect(carried.contains("HOME=/work"), "\(carried)")
        #expect(!carried.contains { $0.hasPrefix("PATH=") }, "the image's PATH stays: \(carried)")
        #expect(!FileManager.default.fileExists(atPath: envFile))
    }
}

/// A directory outside /tmp (bwrap mounts its own /tmp) that kjob-run can read, with a `marker`
/// file anyone can append to.
struct Scratch {
    let path: String

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
        path = "/var/tmp/kjob-privilege-test-\(UUID().uuidString.lowercased())"
        guard mkdir(path, 0o755) == 0, chmod(path, 0o755) == 0 else { throw Failed(description: "cannot create \(path)") }
        try write("marker", "", mode: 0o666)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String, mode: mode_t) throws {
        let file = "\(path)/\(name)"
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8)), chmod(file, mode) == 0 else {
            throw Failed(description: "cannot write \(file)")
        }
    }

    func directory(_ name: String) throws -> String {
        let directory = "\(path)/\(name)"
        guard mkdir(directory, 0o755) == 0, chmod(directory, 0o755) == 0 else { throw Failed(description: "cannot create \(directory)") }
        return directory
    }

    func script(_ name: String, _ body: String) throws {
        try write(name, "#!/bin/sh\n" + body, mode: 0o755)
    }

    /// Lines of a file (none when it is absent).
    func lines(_ name: String) -> [String] {
        (SystemFiles.read("\(path)/\(name)") ?? "").split(separator: "\n").map(String.init)
    }

    /// NUL-separated fields of a file.
    func fields(_ name: String) -> [String] {
        (SystemFiles.read("\(path)/\(name)") ?? "").split(separator: "\0").map(String.init)
    }

    /// A shared object whose constructor appends its process's euid to `marker`; checked to work
    /// (as root, here) so that an empty marker means "never loaded", not "broken library".
    func preloadLibrary() throws -> String {
        try write(
            "preload.c",
            """
            #include <fcntl.h>
            #include <stdio.h>
            #include <unistd.h>
            __attribute__((constructor)) static void record(void) {
                char line[32];
                int length = snprintf(line, sizeof line, "%u\\n", (unsigned)geteuid());
                int fd = open("\(path)/marker", O_WRONLY | O_APPEND | O_CREAT, 0666);
                if (fd >= 0) { ssize_t ignored = write(fd, line, (size_t)length); (void)ignored; close(fd); }
            }
            """, mode: 0o644)
        let library = "\(path)/preload.so"
        try run(["/usr/bin/cc", "-shared", "-fPIC", "-o", library, "\(path)/preload.c"])
        guard chmod(library, 0o755) == 0 else { throw Failed(description: "chmod \(library)") }
        try run(["/usr/bin/env", "LD_PRELOAD=\(library)", "/bin/true"])
        guard lines("marker") == ["\(geteuid())"] else { throw Failed(description: "the preload library does not record: \(lines("marker"))") }
        try write("marker", "", mode: 0o666)
        return library
    }

    /// `docker` and `podman` stand-ins in `node-bin`: `version` answers the probe, `kill` succeeds,
    /// `run` records its euid, path, environment, argv and `--env-file` (content and mode) here.
    func engineStandIns() throws -> String {
        let directory = try self.directory("node-bin")
        for name in ["docker", "podman"] {
            try script(
                "node-bin/\(name)",
                """
                out=\(path)
                case "$1" in
                  version) echo 99.0.0; exit 0 ;;
                  kill) exit 0 ;;
                esac
                /usr/bin/id -u > "$out/engine.euid"
                echo "$0" > "$out/engine.self"
                /bin/cat /proc/$$/environ > "$out/engine.environ"
                printf '%s\\0' "$@" > "$out/engine.argv"
                previous=
                for argument in "$@"; do
                  if [ "$previous" = --env-file ]; then
                    /bin/cp "$argument" "$out/engine.envfile"
                    /usr/bin/stat -c %a "$argument" > "$out/engine.envfile.mode"
                  fi
                  previous=$argument
                done
                echo engine-ran

                """)
        }
        return directory
    }

    private func run(_ argv: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed(description: "\(argv) exited \(process.terminationStatus)") }
    }
}
