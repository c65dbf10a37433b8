import Foundation
import KJobTestSupport
import Testing

/// Secure by default: a root kjobd with an empty `run_as` would run every job as root, so the
/// built `kjobd` refuses to start (and `check-config` fails) unless the operator opts in.
@Suite(.timeLimit(.minutes(2)), .enabled(if: geteuid() == 0, "the refusal applies only to a root kjobd"))
struct RootJobsTests {
    struct Result: CustomStringConvertible {
        var status: Int32
        var output: String
        var description: String { "exit \(status): \(output)" }
    }

    /// Runs the built kjobd with `config` as its file and `environment` (no inherited variables);
    /// Postgres points at a closed port, so nothing here reaches a database.
    func kjobd(_ subcommand: String, config: String, environment: [String: String] = [:]) async throws -> Result {
        let binary = try #require(KJobdProcess.binary, "swift build builds kjobd")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kjob-root-jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("kjobd.toml")
        try Data(("[postgres]\nurl = \"postgres://kjob@127.0.0.1:1/kjob\"\n" + config).utf8).write(to: file)
        let log = directory.appendingPathComponent("out")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = binary
        process.arguments = [subcommand, "--config", file.path]
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if try await poll(timeout: .seconds(30), { !process.isRunning }) == nil {
            process.terminate()
            process.waitUntilExit()
            Issue.record("kjobd \(subcommand) was still running after 30 s: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        return Result(status: process.terminationStatus, output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    @Test(arguments: ["check-config", "run"])
    func emptyRunAsIsRefusedWithTheFix(subcommand: String) async throws {
        let result = try await kjobd(subcommand, config: "[executor]\nrun_as = \"\"\n")
        #expect(result.status != 0, "\(result)")
        #expect(result.output.contains("executor.run_as"), "\(result)")
        #expect(result.output.contains("run_as = \"kjob-run\""), "\(result)")
        #expect(result.output.contains("allow_root_jobs = true"), "\(result)")
        // Refused before anything else: no migration attempt against the (closed) database.
        #expect(!result.output.contains("migration"), "\(result)")
    }

    @Test func aRunUserOrTheExplicitOptInPasses() async throws {
        let withUser = try await kjobd("check-config", config: "[executor]\nrun_as = \"kjob-run\"\n")
        #expect(withUser.status == 0, "\(withUser)")
        let optedIn = try await kjobd("check-config", config: "[executor]\nrun_as = \"\"\nallow_root_jobs = true\n")
        #expect(optedIn.status == 0, "\(optedIn)")
        let byEnvironment = try await kjobd("check-config", config: "", environment: ["KJOBD_EXECUTOR_ALLOW_ROOT_JOBS": "true"])
        #expect(byEnvironment.status == 0, "\(byEnvironment)")
        let runAsByEnvironment = try await kjobd("check-config", config: "", environment: ["KJOBD_EXECUTOR_RUN_AS": "kjob-run"])
        #expect(runAsByEnvironment.status == 0, "\(runAsByEnvironment)")
    }
}
