import TOMLKit
import Testing

@testable import KJobSandbox

@Suite struct SandboxConfigurationTests {
    func parse(_ text: String) throws -> SandboxConfiguration {
        try SandboxConfiguration(toml: try TOMLTable(string: text)["sandbox"]?.table, daemonEnvironment: ["PATH": "/bin"])
    }

    @Test func everyKeyIsRead() throws {
        let config = try parse(
            """
            [sandbox]
            stdout_tail_bytes = 4096
            env_allow = ["PATH", "HTTPS_PROXY"]
            keep_workdir = "always"
            spawn_helper = "/usr/libexec/kjob/kjob-spawn"
            cgroups = false
            bwrap = "/usr/bin/bwrap"
            docker = "/usr/local/bin/docker"
            podman = "podman-remote"
            limits = { memory = "2GiB", cpu_time = "30m", open_files = 256, processes = 64 }
            """)
        #expect(config.stdoutTailBytes == 4096)
        #expect(config.environmentAllowList == ["PATH", "HTTPS_PROXY"])
        #expect(config.keepWorkdir == .always)
        #expect(config.spawnHelper == "/usr/libexec/kjob/kjob-spawn")
        #expect(!config.useCgroups)
        #expect(config.bwrapPath == "/usr/bin/bwrap")
        #expect(config.dockerPath == "/usr/local/bin/docker")
        #expect(config.podmanPath == "podman-remote")
        #expect(config.defaultLimits == ResourceLimits(memoryBytes: 2 << 30, cpuSeconds: 1800, openFiles: 256, processes: 64))
    }

    @Test func absentTableGivesTheDefaults() throws {
        let config = try parse("[daemon]\nnode = \"a\"")
        #expect(config.maxLogBytes == 10 << 20)
        #expect(config.killGrace == .seconds(10))
        #expect(config.runAs == "kjob-run")
        #expect(config.defaultLimits == .defaults)
    }

    @Test(arguments: [
        "work_dir = \"/srv/kjob/work\"", "log_dir = \"\"", "stdout_tail_bytes = \"ten\"", "stdout_tail_bytes = \"1GiB\"",
        "env_allow = [\"KJOBD_TOKEN\"]", "env_allow = \"PATH\"", "keep_workdir = \"sometimes\"", "cgroups = \"yes\"",
        "limits = { memory = \"lots\" }", "limits = { threads = 3 }", "limits = { open_files = 2 }", "shell = true",
        // A relative path would resolve in the run's (job-writable) working directory.
        "bwrap = \"bin/bwrap\"", "docker = \"./docker\"", "podman = \"\""
    ])
    func badSettingsNameTheKey(line: String) throws {
        let error = #expect(throws: SandboxError.self) { try parse("[sandbox]\n\(line)") }
        let key = String(line.prefix { $0 != " " })
        #expect(error?.message.contains(key) == true, "\(error?.message ?? "")")
    }
}
