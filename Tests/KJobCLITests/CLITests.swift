import Foundation
import KJobServer
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("kjob CLI against a live node", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct CLITests {
    static let jobFile = """
        [job]
        slug = "from-file"
        prompt = "/k-housekeep"
        agent = "kode"
        schedule = "0 9 * * MON"
        timezone = "Europe/Lisbon"
        """

    @Test("create (flags and -f), apply, list, inspect, with --json shapes")
    func createApplyListInspect() async throws {
        try await CLIFixture.with { cli in
            let created = try await cli.run([
                "create", "--slug", "weekly", "--prompt", "/k-housekeep", "--schedule", "0 9 * * MON",
                "--agent", "kode", "--timezone", "Europe/Lisbon", "--timeout", "30m", "--retries", "2",
                "--output", "ops", "--overlap", "queue", "--sandbox", "process"
            ])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout.contains("created job weekly"))

            let path = try cli.writeFile("job.toml", Self.jobFile)
            let fromFile = try await cli.run(["create", "-f", path, "--json"])
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            #expect(fromFile.object["slug"] as? String == "from-file")

            let duplicate = try await cli.run(["create", "-f", path])
            #expect(duplicate.status == 1)
            #expect(duplicate.stderr.contains("exists"))

            let updatedFile = try cli.writeFile("job2.toml", Self.jobFile.replacingOccurrences(of: "0 9 * * MON", with: "15 10 * * *"))
            let applied = try await cli.run(["apply", "-f", updatedFile])
            #expect(applied.status == 0, "\(applied.stderr)")
            #expect(applied.stdout.contains("updated job from-file"))
            let appliedNew = try await cli.run(["apply", "-f", "-", "--json"], stdin: Self.jobFile.replacingOccurrences(of: "from-file", with: "piped"))
            #expect(appliedNew.status == 0, "\(appliedNew.stderr)")
            #expect(appliedNew.object["slug"] as? String == "piped")

            let list = try await cli.run(["list"])
            #expect(list.status == 0)
            #expect(list.stdout.contains("SLUG") && list.stdout.contains("weekly") && list.stdout.contains("from-file"))
            let listJSON = try await cli.run(["list", "--json"])
            #expect(Set(listJSON.array.compactMap { $0["slug"] as? String }) == ["weekly", "from-file", "piped"])

            let inspect = try await cli.run(["inspect", "from-file"])
            #expect(inspect.status == 0, "\(inspect.stderr)")
            #expect(inspect.stdout.contains("15 10 * * *"))
            #expect(inspect.stdout.contains("next fires:"))
            #expect(inspect.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  20") }.count == 5)
            let inspectJSON = try await cli.run(["inspect", "weekly", "--json"])
            #expect((inspectJSON.object["next_fires"] as? [String])?.count == 5)
            #expect(((inspectJSON.object["job"] as? [String: Any])?["spec"] as? [String: Any])?["overlap"] as? String == "queue")
            #expect(inspectJSON.object["runs"] is [Any])
        }
    }

    @Test("exit codes: 2 usage, 3 not found, 4 auth, 1 rejected by the server")
    func exitCodes() async throws {
        try await CLIFixture.with { cli in
            #expect(try await cli.run(["create", "--slug", "x"]).status == 2)
            #expect(try await cli.run(["inspect", "Not_A_Slug"]).status == 2)
            #expect(try await cli.run(["bogus-command"]).status == 2)
            #expect(try await cli.run(["runs", "x", "--limit", "0"]).status == 2)
            let badSchedule = try await cli.run(["create", "--slug", "x", "--prompt", "p", "--schedule", "61 * * * *", "--agent", "kode"])
            #expect(badSchedule.status == 2)
            #expect(badSchedule.stderr.contains("schedule"))
            #expect(try await cli.run(["inspect", "missing"]).status == 3)
            #expect(try await cli.run(["runs", "missing"]).status == 3)
            #expect(try await cli.run(["logs", UUID().uuidString]).status == 3)
            #expect(try await cli.run(["list"], token: nil).status == 4)
            #expect(try await cli.run(["list"], token: "kjob_wrong").status == 4)
            let agent = try await cli.run(["create", "--slug", "x", "--prompt", "p", "--schedule", "@daily", "--agent", "unknown-agent"])
            #expect(agent.status == 1)
            #expect(agent.stderr.contains("agent"))
            #expect(try await cli.run(["create", "--slug", "v", "--prompt", "p", "--schedule", "@daily", "--agent", "kode"], token: "viewer").status == 4)
            let help = try await cli.run(["create", "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("Examples:"))
        }
    }

    @Test("run-now, runs --json shape, enable, disable, cancel, delete")
    func runLifecycle() async throws {
        try await CLIFixture.with { cli in
            #expect(try await cli.run(["create", "--slug", "probe", "--prompt", "true", "--schedule", "@every 5m", "--agent", "shell"]).status == 0)
            let queued = try await cli.run(["run-now", "probe", "--json"], token: "operator")
            #expect(queued.status == 0, "\(queued.stderr)")
            let runID = try #require(queued.object["id"] as? String)
            #expect(queued.object["status"] as? String == "queued")

            let runs = try await cli.run(["runs", "probe", "--json"], token: "viewer")
            #expect(runs.status == 0)
            let first = try #require(runs.array.first)
            for key in [
                "id", "job", "scheduled_for", "attempt", "status", "reason", "node", "epoch", "started_at", "finished_at", "exit_code", "signal",
                "dispatch_status"
            ] {
                #expect(first.keys.contains(key), "runs --json lacks \(key)")
            }
            #expect(first["id"] as? String == runID)
            let table = try await cli.run(["runs", "probe"], token: "viewer")
            #expect(table.stdout.contains("queued") && table.stdout.contains("manual (operator)"))

            let cancelled = try await cli.run(["cancel", runID, "--json"], token: "operator")
            #expect(cancelled.status == 0, "\(cancelled.stderr)")
            #expect(cancelled.object["status"] as? String == "cancelled")
            #expect(try await cli.run(["cancel", runID]).status == 1)

            // Disable cancels what is still queued, with the actor's name.
            let pending = try #require(try await cli.run(["run-now", "probe", "--json"], token: "operator").object["id"] as? String)
            #expect(try await cli.run(["disable", "probe"], token: "operator").status == 0)
            #expect((try await cli.run(["inspect", "probe", "--json"]).object["job"] as? [String: Any])?["enabled"] as? Bool == false)
            #expect(try await cli.run(["inspect", "probe"]).stdout.contains("next fires (skipped while paused; kjob enable resumes):"))
            let afterDisable = try await cli.run(["runs", "probe", "--json"], token: "viewer").array.first { $0["id"] as? String == pending }
            #expect(afterDisable?["status"] as? String == "cancelled")
            #expect(afterDisable?["reason"] as? String == "job disabled by operator")
            #expect(try await cli.run(["enable", "probe"], token: "operator").status == 0)
            #expect(try await cli.run(["delete", "probe"], token: "operator").status == 4)

            // A deleted job's runs and logs stay readable by run id.
            let id = try #require(UUID(uuidString: runID))
            try await cli.sql(
                "INSERT INTO \(unescaped: cli.db.names.schema).run_log_chunks (run_id, seq, stream, data) VALUES (\(id), 0, 'stdout', \(ByteBuffer(string: "kept\n")))"
            )
            #expect(try await cli.run(["delete", "probe"]).status == 0)
            #expect(try await cli.run(["inspect", "probe"]).status == 3)
            let kept = try await cli.run(["logs", runID], token: "viewer")
            #expect(kept.status == 0 && kept.stdout == "kept\n", "\(kept.stderr)")
        }
    }

    @Test("run-now --wait exits with the run's outcome")
    func runNowWait() async throws {
        try await CLIFixture.with { cli in
            #expect(try await cli.run(["create", "--slug", "w", "--prompt", "true", "--schedule", "@daily", "--agent", "shell"]).status == 0)
            let schema = cli.db.names.schema
            for (outcome, exit) in [("succeeded", Int32(0)), ("failed", Int32(1))] {
                // Stand-in executor: finishes the queued run it finds.
                async let finisher: Void = Self.finishFirstQueued(cli: cli, schema: schema, outcome: outcome)
                let result = try await cli.run(["run-now", "w", "--wait"], token: "operator")
                try await finisher
                #expect(result.status == exit, "\(outcome): \(result.stdout) \(result.stderr)")
                #expect(result.stdout.contains(outcome))
            }
        }
    }

    static func finishFirstQueued(cli: CLIFixture, schema: String, outcome: String) async throws {
        let finished = try await poll(timeout: .seconds(60), interval: .milliseconds(50)) {
            guard
                let found = try await cli.client.scalar(
                    "SELECT id FROM \(unescaped: schema).job_runs WHERE status = 'queued' LIMIT 1",
                    as: UUID.self)
            else { return false }
            try await cli.sql(
                "UPDATE \(unescaped: schema).job_runs SET status = \(outcome), started_at = now(), finished_at = now(), exit_code = \(outcome == "succeeded" ? 0 : 3) WHERE id = \(found)"
            )
            return true
        }
        #expect(finished != nil, "no queued run appeared within 60 s")
    }

    @Test("status --json has the leader and nodes shape; the table warns about clock skew")
    func status() async throws {
        try await CLIFixture.with { cli in
            let schema = cli.db.names.schema
            try await cli.sql("UPDATE \(unescaped: schema).leader SET epoch = 3, holder = 's.sched-1', since = now(), heartbeat_at = now() WHERE id = 1")
            try await cli.sql(
                "INSERT INTO \(unescaped: schema).nodes (id, role, epoch, last_seen, clock_skew_ms, http_url) VALUES ('s.sched-1', 'active', 3, now(), 4, 'https://s.sched-1:7070')"
            )
            try await cli.sql("INSERT INTO \(unescaped: schema).nodes (id, role, last_seen, clock_skew_ms) VALUES ('s.sched-2', 'standby', now(), 900)")
            let json = try await cli.run(["status", "--json"], token: "viewer")
            #expect(json.status == 0, "\(json.stderr)")
            let leader = try #require(json.object["leader"] as? [String: Any])
            #expect(leader["node"] as? String == "s.sched-1")
            #expect(leader["epoch"] as? Int == 3)
            #expect(leader["since"] is String)
            #expect(leader["heartbeat_age_ms"] is Int)
            let nodes = try #require(json.object["nodes"] as? [[String: Any]])
            #expect(nodes.map { $0["role"] as? String } == ["active", "standby"])
            for node in nodes {
                #expect(node["id"] is String && node["last_seen"] is String && node["clock_skew_ms"] is Int)
            }
            let table = try await cli.run(["status"], token: "viewer")
            #expect(table.stdout.contains("s.sched-1") && table.stdout.contains("epoch 3"))
            #expect(table.stdout.contains("warning: s.sched-2"))
            #expect(table.stdout.contains("URL") && table.stdout.contains("https://s.sched-1:7070"), "each node's API URL is shown")
        }
    }

    @Test("--server fails over to the next URL when the first is down; all down is exit 1")
    func failover() async throws {
        try await CLIFixture.with { cli in
            let dead = "http://127.0.0.1:1"
            let ok = try await cli.run(["list", "--json", "--server", "\(dead),\(cli.baseURL)"])
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(ok.json is [Any])
            let repeated = try await cli.run(["status", "--server", dead, "--server", cli.baseURL])
            #expect(repeated.status == 0, "\(repeated.stderr)")
            #expect(repeated.stdout.contains("answered by: \(cli.baseURL)"))
            // POST fails over too when the first node refuses the connection.
            #expect(
                try await cli.run(["create", "--slug", "fo", "--prompt", "p", "--schedule", "@daily", "--agent", "kode", "--server", "\(dead),\(cli.baseURL)"])
                    .status == 0)
            let down = try await cli.run(["list", "--server", "\(dead),http://127.0.0.1:2"])
            #expect(down.status == 1)
            #expect(down.stderr.contains("no server could be reached"))
        }
    }

    @Test("settings from ~/.config/kjob/config.toml; flags win")
    func configFile() async throws {
        try await CLIFixture.with { cli in
            let directory = cli.home.appendingPathComponent(".config/kjob")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data("server = [\"http://127.0.0.1:1\", \"\(cli.baseURL)\"]\ntoken = \"\(cli.tokens["viewer"]!)\"\n".utf8)
                .write(to: directory.appendingPathComponent("config.toml"))
            let fromFile = try await cli.run(["list", "--json"], token: nil, server: "", environment: [:])
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            let flagToken = try await cli.run(["list", "--token", "kjob_bad"], token: nil, server: "")
            #expect(flagToken.status == 4)
            try Data("bogus = 1\n".utf8).write(to: directory.appendingPathComponent("config.toml"))
            #expect(try await cli.run(["list"], token: nil, server: "").status == 2)
        }
    }

    @Test("logs prints the output; logs -f follows until the run ends")
    func logs() async throws {
        try await CLIFixture.with { cli in
            #expect(try await cli.run(["create", "--slug", "l", "--prompt", "true", "--schedule", "@daily", "--agent", "shell"]).status == 0)
            let runID = try #require(try await cli.run(["run-now", "l", "--json"]).object["id"] as? String)
            let id = try #require(UUID(uuidString: runID))
            let schema = cli.db.names.schema
            try await cli.sql("UPDATE \(unescaped: schema).job_runs SET status = 'running', started_at = now() WHERE id = \(id)")
            try await cli.sql(
                "INSERT INTO \(unescaped: schema).run_log_chunks (run_id, seq, stream, data) VALUES (\(id), 0, 'stdout', \(ByteBuffer(string: "line one\n")))")
            let plain = try await cli.run(["logs", runID], token: "viewer")
            #expect(plain.status == 0)
            #expect(plain.stdout == "line one\n")
            async let followed = cli.run(["logs", "-f", runID], token: "viewer")
            try await Task.sleep(for: .milliseconds(500))
            try await cli.sql(
                "INSERT INTO \(unescaped: schema).run_log_chunks (run_id, seq, stream, data) VALUES (\(id), 1, 'stdout', \(ByteBuffer(string: "line two\n")))")
            try await cli.sql("UPDATE \(unescaped: schema).job_runs SET status = 'succeeded', finished_at = now() WHERE id = \(id)")
            let result = try await followed
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "line one\nline two\n")
        }
    }
}
