import Foundation
import KJobDaemon
import KJobSandbox
import Testing

@Suite("DaemonConfig: [executor] and [agents] onto the sandbox")
struct ExecutorConfigTests {
    @Test func executorSectionMapsOntoTheSandbox() throws {
        let config = try DaemonConfig.parse(
            toml: """
                [executor]
                max_parallel = 3
                log_dir = "/srv/kjob/logs"
                max_log_bytes = "2MiB"
                kill_grace = "750ms"
                run_as = "kjob-run"
                work_dir = "/srv/kjob/work"
                [agents.shell]
                command = ["/bin/sh", "-c", "{prompt}"]
                [sandbox]
                keep_workdir = "always"
                env_allow = ["PATH"]
                """)
        let sandbox = try config.sandboxConfiguration(daemonEnvironment: ["PATH": "/bin", "KJOBD_POSTGRES_URL": "postgres://secret"])
        #expect(config.executor.maxParallel == 3)
        #expect(sandbox.workRoot == "/srv/kjob/work")
        #expect(sandbox.logDir == "/srv/kjob/logs")
        #expect(sandbox.maxLogBytes == 2 << 20)
        #expect(sandbox.killGrace == .milliseconds(750))
        #expect(sandbox.runAs == "kjob-run")
        #expect(sandbox.keepWorkdir == .always, "[sandbox] supplies the sandbox-only settings")
        #expect(sandbox.environmentAllowList == ["PATH"])
        #expect(sandbox.daemonEnvironment == ["PATH": "/bin"], "KJOBD_* never reaches the sandbox")
        #expect(try config.agentRegistry().argv(agent: "shell", prompt: "echo hi") == ["/bin/sh", "-c", "echo hi"])
    }

    @Test func emptyStringsMeanOff() throws {
        let config = try DaemonConfig.parse(toml: "[executor]\nlog_dir = \"\"\nrun_as = \"\"")
        let sandbox = try config.sandboxConfiguration(daemonEnvironment: [:])
        #expect(sandbox.logDir == nil)
        #expect(sandbox.runAs == nil)
    }

    @Test func environmentOverridesExecutorKeys() throws {
        let config = try DaemonConfig.parse(toml: "", environment: ["KJOBD_EXECUTOR_WORK_DIR": "/tmp/w", "KJOBD_EXECUTOR_MAX_PARALLEL": "2"])
        #expect(config.executor.workDir == "/tmp/w")
        #expect(config.executor.maxParallel == 2)
    }

    /// A root kjobd with an empty run_as would run every job as root: refused, naming the fix,
    /// unless allow_root_jobs opts in (file or environment). Not root: run_as does not apply.
    @Test func rootJobsNeedARunUserOrTheExplicitOptIn() throws {
        let empty = try DaemonConfig.parse(toml: "[executor]\nrun_as = \"\"")
        let error = #expect(throws: DaemonConfigError.self) { try empty.checkJobUser(effectiveUID: 0) }
        #expect(error?.location == "executor.run_as")
        #expect(error?.message.contains("set run_as = \"kjob-run\"") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("allow_root_jobs = true") == true, "\(error?.message ?? "")")
        #expect(throws: Never.self) { try empty.checkJobUser(effectiveUID: 1000) }
        #expect(throws: Never.self) { try DaemonConfig.parse(toml: "[executor]\nrun_as = \"kjob-run\"").checkJobUser(effectiveUID: 0) }
        let optedIn = try DaemonConfig.parse(toml: "[executor]\nrun_as = \"\"\nallow_root_jobs = true")
        #expect(optedIn.executor.allowRootJobs)
        #expect(throws: Never.self) { try optedIn.checkJobUser(effectiveUID: 0) }
        let byEnvironment = try DaemonConfig.parse(toml: "", environment: ["KJOBD_EXECUTOR_ALLOW_ROOT_JOBS": "true"])
        #expect(byEnvironment.executor.allowRootJobs)
        #expect(try DaemonConfig.parse(toml: "").executor.allowRootJobs == false)
        let badValue = #expect(throws: DaemonConfigError.self) {
            try DaemonConfig.parse(toml: "", environment: ["KJOBD_EXECUTOR_ALLOW_ROOT_JOBS": "yes"])
        }
        #expect(badValue?.message == "expected true or false, got \"yes\"")
    }

    @Test(arguments: [
        ("[executor]\nallow_root_jobs = \"yes\"", "executor.allow_root_jobs"),
        ("[sandbox]\nallow_root_jobs = true", "sandbox.allow_root_jobs"),
        ("[sandbox]\ndocker = \"bin/docker\"", "[sandbox]"),
        ("[executor]\nparallel = 3", "executor.parallel"),
        ("[executor]\nwork_dir = \"relative\"", "executor.work_dir"),
        ("[executor]\nlog_dir = \"logs\"", "executor.log_dir"),
        ("[executor]\nkill_grace = \"0s\"", "executor.kill_grace"),
        ("[executor]\nmax_parallel = 0", "executor.max_parallel"),
        ("[agents.bad]\ncommand = [\"{prompt}\"]", "agents.bad.command"),
        ("[sandbox]\nlog_dir = \"/x\"", "sandbox.log_dir"),
        ("[sandbox]\nwork_dir = \"/x\"", "sandbox.work_dir"),
        ("[sandbox]\nkill_grace = \"1s\"", "sandbox.kill_grace"),
        ("[sandbox]\nkeep_workdir = \"sometimes\"", "[sandbox]")
    ])
    func badExecutorSettingsNameTheKey(_ toml: String, _ location: String) {
        #expect {
            try DaemonConfig.parse(toml: toml)
        } throws: { error in
            (error as? DaemonConfigError)?.location == location
        }
    }
}
