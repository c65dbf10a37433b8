import Foundation
import KJobDaemon
import Testing

@Suite("DaemonConfig")
struct DaemonConfigTests {
    @Test func defaultsMatchTheDesign() throws {
        let config = try DaemonConfig.parse(toml: "")
        #expect(config.lease.heartbeat == .seconds(1))
        #expect(config.lease.timeout == .seconds(4))
        #expect(config.lease.serverRelease == .seconds(6))
        #expect(config.lease.standbyPoll == .milliseconds(500))
        #expect(config.postgres.lockKey == 727_465)
        #expect(config.postgres.poolSize == 8)
        #expect(config.postgres.schema == "kjob")
        #expect(config.http.listen == "127.0.0.1:7070")
        #expect(config.executor.maxLogBytes == 10 << 20)
        #expect(config.executor.killGrace == .seconds(5))
        #expect(config.relay.maxAge == .seconds(86_400))
        #expect(config.retention.keepRuns == 100)
        #expect(config.retention.maxAge == .seconds(30 * 86_400))
        #expect(config.retention.interval == .seconds(300))
        #expect(config.retention.audit == .seconds(365 * 86_400))
        #expect(config.dispatch.batchSize == 8)
    }

    @Test func auditRetentionIsADurationOfAtLeastADay() throws {
        #expect(try DaemonConfig.parse(toml: "[retention]\naudit = \"90d\"").retention.audit == .seconds(90 * 86_400))
        #expect(throws: DaemonConfigError.self) { try DaemonConfig.parse(toml: "[retention]\naudit = \"1h\"") }
        #expect(throws: DaemonConfigError.self) { try DaemonConfig.parse(toml: "", environment: ["KJOBD_RETENTION_AUDIT": "forever"]) }
    }

    @Test func deployFileParsesAndMatchesDefaults() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("deploy/kjobd.toml").path
        let config = try DaemonConfig.load(path: path, environment: [:])
        var defaults = try DaemonConfig.parse(toml: "")
        defaults.agents = ["kode": .init(command: ["kode", "--print", "{prompt}"])]
        defaults.node.id = config.node.id
        defaults.postgres.url = config.postgres.url
        defaults.executor.runAs = "kjob-run"  // shipped so that a root kjobd starts; the default "" is refused as root
        defaults.sourceTOML = config.sourceTOML
        #expect(config == defaults)
    }

    @Test func fileValuesAndEnvironmentOverrides() throws {
        let toml = """
            [node]
            id = "s.sched-1"
            [lease]
            heartbeat = "500ms"
            timeout = "2s"
            [agents.kode]
            command = ["kode", "--print", "{prompt}"]
            [retention]
            interval = "1m"
            [dispatch]
            batch_size = 4
            """
        let config = try DaemonConfig.parse(
            toml: toml,
            environment: [
                "KJOBD_DISPATCH_BATCH_SIZE": "16",
                "KJOBD_LEASE_TIMEOUT": "3s",
                "KJOBD_POSTGRES_URL": "postgres://kjob:pw@127.0.0.1:5433/kjob",
                "KJOBD_POSTGRES_LOCK_KEY": "42",
                "KJOBD_LEASE_SERVER_RELEASE": "5s",
                "KJOBD_EXECUTOR_MAX_LOG_BYTES": "1MiB",
                "KJOBD_AGENTS_SHELL_COMMAND": #"["/bin/sh", "-c", "{prompt}"]"#,
                "PATH": "/usr/bin"
            ])
        #expect(config.node.id == "s.sched-1")
        #expect(config.lease.heartbeat == .milliseconds(500))
        #expect(config.lease.timeout == .seconds(3))
        #expect(config.lease.serverRelease == .seconds(5))
        #expect(config.postgres.lockKey == 42)
        #expect(config.postgres.url == "postgres://kjob:pw@127.0.0.1:5433/kjob")
        #expect(config.executor.maxLogBytes == 1 << 20)
        #expect(config.agents["shell"]?.command == ["/bin/sh", "-c", "{prompt}"])
        #expect(config.agents["kode"]?.command.first == "kode")
        #expect(config.retention.interval == .seconds(60))
        #expect(config.dispatch.batchSize == 16, "the environment overrides the file")
    }

    @Test(arguments: [
        ("[lease]\nheartbeet = \"1s\"", "lease.heartbeet"),
        ("[leese]\nheartbeat = \"1s\"", "[leese]"),
        ("[lease]\ntimeout = 4", "lease.timeout"),
        ("[lease]\ntimeout = \"4 seconds\"", "lease.timeout"),
        ("[lease]\ntimeout = \"7s\"", "lease.timeout"),
        ("[lease]\nheartbeat = \"4s\"", "lease.heartbeat"),
        ("[executor]\nmax_log_bytes = \"10 megs\"", "executor.max_log_bytes"),
        ("[postgres]\nurl = \"mysql://x\"", "postgres.url"),
        ("[retention]\ninterval = \"0s\"", "retention.interval"),
        ("[retention]\ninterval = 300", "retention.interval"),
        ("[dispatch]\nbatch_size = 0", "dispatch.batch_size"),
        ("[dispatch]\nbatch = 8", "dispatch.batch"),
        ("[postgres]\nschema = \"Robert'); DROP\"", "postgres.schema"),
        ("[agents.kode]\ncommand = []", "agents.kode.command"),
        ("top = 1", "top"),
        ("[lease\n", "line")
    ])
    func badFilesNameTheKey(toml: String, location: String) {
        #expect {
            try DaemonConfig.parse(toml: toml)
        } throws: { error in
            guard let error = error as? DaemonConfigError else { return false }
            return error.location.contains(location) && !error.message.isEmpty
        }
    }

    @Test(arguments: [
        ("KJOBD_LEASE_TIMEOUTT", "3s"),
        ("KJOBD_NOPE_X", "1"),
        ("KJOBD_POSTGRES_POOL_SIZE", "eight"),
        ("KJOBD_LEASE_TIMEOUT", "3"),
        ("KJOBD_AGENTS_KODE_COMMAND", "kode")
    ])
    func badEnvironmentNamesTheVariable(name: String, value: String) {
        #expect {
            try DaemonConfig.parse(toml: "", environment: [name: value])
        } throws: { error in
            guard let error = error as? DaemonConfigError else { return false }
            return error.location.contains(name) || error.location.contains("lease.timeout")
        }
    }

    @Test func sandboxSectionIsLeftToTheSandboxModule() throws {
        let toml = "[sandbox]\nkeep_workdir = \"always\"\n"
        let config = try DaemonConfig.parse(toml: toml)
        #expect(config.sourceTOML == toml)
        // No silent environment overrides for [sandbox]: each is an error that says what to set.
        for (name, hint) in [("KJOBD_SANDBOX_RUN_AS", "KJOBD_EXECUTOR_RUN_AS"), ("KJOBD_SANDBOX_CGROUPS", "sandbox.cgroups")] {
            #expect {
                try DaemonConfig.parse(toml: toml, environment: [name: "x"])
            } throws: { error in
                guard let error = error as? DaemonConfigError else { return false }
                return error.location.contains(name) && error.message.contains(hint)
            }
        }
    }

    @Test func advertisedURLPrefersPublicURLElseListen() throws {
        var http = DaemonConfig.HTTPConfig()
        #expect(http.advertisedURL(hostName: "s.sched-1") == "http://127.0.0.1:7070")
        http.listen = "0.0.0.0:7443"
        http.tlsCert = "/etc/kjob/tls.pem"
        #expect(http.advertisedURL(hostName: "s.sched-1") == "https://s.sched-1:7443")
        #expect(http.advertisedURL(hostName: "s.sched-1", boundPort: 40123) == "https://s.sched-1:40123")
        http.publicURL = "https://sched-1.example:7070/"
        #expect(http.advertisedURL(hostName: "s.sched-1") == "https://sched-1.example:7070")
    }

    @Test func passwordIsRedacted() throws {
        let url = try PostgresURLProbe.parse("postgres://kjob:s3cret@db:5432/kjob?sslmode=disable")
        #expect(!url.contains("s3cret"))
    }
}
