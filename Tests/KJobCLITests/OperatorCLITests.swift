import Foundation
import KJobCore
import KJobServer
import KJobTestSupport
import PostgresNIO
import Testing

/// `kjob update`, `export`, `apply -f DIR|-`, `backfill` and `upcoming` against a live node.
@Suite("kjob operator commands", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct OperatorCLITests {
    static func job(_ slug: String, schedule: String = "0 9 * * MON", extra: String = "") -> String {
        """
        [job]
        slug = "\(slug)"
        prompt = "/k-housekeep"
        agent = "kode"
        schedule = "\(schedule)"
        timezone = "Europe/Lisbon"
        \(extra)
        """
    }

    /// Every kind of key, a prompt holding an export marker, escapes, several outputs.
    static let rich = #"""
        [job]
        slug = "rich"
        description = "quotes \" and\ttabs"
        prompt = """
        line one
        # --- evil
        [job]
        slug = "evil"
        """
        agent = "kode"
        schedule = "*/15 9-17 * * MON-FRI"
        timezone = "Europe/Lisbon"
        timeout = "20m"
        overlap = "queue"
        retries = { max = 2, backoff = "fixed", initial = "1m", max_delay = "5m" }
        env = { B = "2", A = "x y" }

        [[job.output]]
        channel = "ops"
        on = ["failure"]

        [[job.output]]
        channel = "audit"
        on = ["always"]
        """#

    func specTOML(_ cli: CLIFixture, _ slug: String) async throws -> String? {
        (try await cli.run(["inspect", slug, "--json"]).object["job"] as? [String: Any])?["spec_toml"] as? String
    }

    func runCount(_ cli: CLIFixture, _ slug: String) async throws -> Int64? {
        let s = cli.db.names.schema
        return try await cli.client.scalar(
            """
            SELECT count(*) FROM \(unescaped: s).job_runs r JOIN \(unescaped: s).jobs j ON j.id = r.job_id WHERE j.slug = \(slug)
            """, as: Int64.self)
    }

    @Test("update: changes only the flags given; --if-version refuses a stale version (exit 1, nothing changed); usage errors exit 2")
    func update() async throws {
        try await CLIFixture.with { cli in
            #expect(try await cli.run(["apply", "-f", try cli.writeFile("n.toml", Self.job("nightly"))]).status == 0)
            let first = try await cli.run(["update", "nightly", "--timeout", "45m", "--schedule", "30 2 * * *", "--if-version", "1"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("version 2"))
            let before = try await specTOML(cli, "nightly")
            #expect(before?.contains("timeout = \"45m\"") == true && before?.contains("schedule = \"30 2 * * *\"") == true)
            #expect(before?.contains("timezone = \"Europe/Lisbon\"") == true)

            let stale = try await cli.run(["update", "nightly", "--prompt", "other", "--if-version", "1"])
            #expect(stale.status == 1)
            #expect(stale.stderr.contains("412") && stale.stderr.contains("version 2"), "\(stale.stderr)")
            #expect(try await specTOML(cli, "nightly") == before)

            let unset = try await cli.run(["update", "nightly", "--unset", "timezone", "--disabled", "--json"])
            #expect(unset.status == 0, "\(unset.stderr)")
            #expect(unset.object["timezone"] as? String == "UTC" && unset.object["enabled"] as? Bool == false)
            #expect(unset.object["version"] as? Int == 3)

            #expect(try await cli.run(["update", "nightly"]).status == 2)
            #expect(try await cli.run(["update", "nightly", "--schedule", "61 * * * *"]).status == 2)
            #expect(try await cli.run(["update", "nightly", "--timeout", "soon"]).status == 2)
            #expect(try await cli.run(["update", "nightly", "--unset", "prompt"]).status == 2)
            #expect(try await cli.run(["update", "nightly", "--if-version", "0", "--timeout", "5m"]).status == 2)
            let agent = try await cli.run(["update", "nightly", "--agent", "no-such-agent"])
            #expect(agent.status == 1 && agent.stderr.contains("job.agent"), "\(agent.stderr)")
            #expect(try await cli.run(["update", "missing", "--timeout", "5m"]).status == 3)
            #expect(try await cli.run(["update", "nightly", "--timeout", "5m"], token: "viewer").status == 4)
            #expect((try await cli.run(["inspect", "nightly", "--json"]).object["job"] as? [String: Any])?["version"] as? Int == 3)
        }
    }

    @Test("export → delete → apply gives byte-identical specs, from a directory and from stdout")
    func exportRoundTrip() async throws {
        try await CLIFixture.with { cli in
            let files = [Self.job("plain"), Self.rich, Self.job("paused")]
            for (index, text) in files.enumerated() {
                let applied = try await cli.run(["apply", "-f", try cli.writeFile("in-\(index).toml", text)])
                #expect(applied.status == 0, "\(applied.stderr)")
            }
            #expect(try await cli.run(["disable", "paused"]).status == 0)
            let slugs = ["paused", "plain", "rich"]
            var before: [String: String] = [:]
            for slug in slugs {
                let spec = try #require(try await specTOML(cli, slug))
                before[slug] = spec
            }
            #expect(before["paused"]?.contains("enabled = false") == true, "the export carries the job's enabled state")

            let dir = cli.home.appendingPathComponent("export").path
            let exported = try await cli.run(["export", "--dir", dir])
            #expect(exported.status == 0, "\(exported.stderr)")
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir)) == Set(slugs.map { "\($0).toml" }))
            for slug in slugs {
                #expect(try String(contentsOfFile: "\(dir)/\(slug).toml", encoding: .utf8) == before[slug], "\(slug).toml")
            }
            let stream = try await cli.run(["export"])
            #expect(stream.status == 0)
            #expect(
                stream.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("# --- ") } == ["# --- paused", "# --- plain", "# --- rich", "# --- evil"],
                "one marker a job, and the line inside rich's prompt")

            for round in ["dir", "stdin"] {
                for slug in slugs { #expect(try await cli.run(["delete", slug]).status == 0) }
                let applied = round == "dir" ? try await cli.run(["apply", "-f", dir]) : try await cli.run(["apply", "-f", "-"], stdin: stream.stdout)
                #expect(applied.status == 0, "\(round): \(applied.stderr)")
                #expect(applied.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("created job") }.count == 3, "\(round): \(applied.stdout)")
                for slug in slugs {
                    #expect(try await specTOML(cli, slug) == before[slug], "\(round): \(slug) differs after the round trip")
                }
                #expect((try await cli.run(["inspect", "paused", "--json"]).object["job"] as? [String: Any])?["enabled"] as? Bool == false)
                #expect(try await cli.run(["inspect", "evil"]).status == 3, "the marker inside the prompt split the stream")
            }

            // An unknown slug: exit 3 and nothing written.
            let partial = cli.home.appendingPathComponent("partial").path
            let unknown = try await cli.run(["export", "plain", "missing", "--dir", partial])
            #expect(unknown.status == 3)
            #expect(unknown.stderr.contains("missing"))
            #expect(!FileManager.default.fileExists(atPath: partial))
            let unknownStdout = try await cli.run(["export", "plain", "missing"])
            #expect(unknownStdout.status == 3 && unknownStdout.stdout.isEmpty)
            #expect(try await cli.run(["export", "Bad_Slug"]).status == 2)
        }
    }

    @Test("apply -f DIR: every *.toml applies on its own; a bad one is reported, the others still apply, the exit is non-zero")
    func applyDirectory() async throws {
        try await CLIFixture.with { cli in
            let dir = cli.home.appendingPathComponent("jobs")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(Self.job("one").utf8).write(to: dir.appendingPathComponent("one.toml"))
            try Data(Self.job("two", schedule: "61 * * * *").utf8).write(to: dir.appendingPathComponent("two.toml"))
            try Data(Self.job("three").utf8).write(to: dir.appendingPathComponent("three.toml"))
            try Data("not a job".utf8).write(to: dir.appendingPathComponent("notes.txt"))
            let local = try await cli.run(["apply", "-f", dir.path])
            #expect(local.status == 2, "only a local validation failed: its code")
            #expect(local.stderr.contains("two.toml") && local.stderr.contains("job.schedule"), "\(local.stderr)")
            #expect(local.stderr.contains("1 of 3 jobs failed"))
            #expect(try await cli.run(["inspect", "one"]).status == 0)
            #expect(try await cli.run(["inspect", "three"]).status == 0)
            #expect(try await cli.run(["inspect", "two"]).status == 3)

            // A job the server refuses (unknown agent) beside a local failure: exit 1.
            try Data(Self.job("four").replacingOccurrences(of: "\"kode\"", with: "\"nope\"").utf8).write(to: dir.appendingPathComponent("four.toml"))
            let mixed = try await cli.run(["apply", "-f", dir.path, "--json"])
            #expect(mixed.status == 1)
            let results = mixed.array
            #expect(results.map { $0["result"] as? String } == ["failed", "updated", "updated", "failed"], "\(mixed.stdout)")
            #expect(
                results.compactMap { $0["file"] as? String }.map { ($0 as NSString).lastPathComponent }
                    == ["four.toml", "one.toml", "three.toml", "two.toml"])

            let empty = cli.home.appendingPathComponent("empty")
            try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
            let none = try await cli.run(["apply", "-f", empty.path])
            #expect(none.status == 2 && none.stderr.contains("no *.toml"))
        }
    }

    @Test("backfill: the dry run's fires are croniter's for the same range; twice creates the runs once; bad ranges are refused")
    func backfill() async throws {
        try await CLIFixture.with { cli in
            let expression = "*/15 9-17 * * MON-FRI"
            let zone = "Asia/Kolkata"
            let job = Self.job("office", schedule: expression).replacingOccurrences(of: "Europe/Lisbon", with: zone)
            #expect(try await cli.run(["apply", "-f", try cli.writeFile("office.toml", job)]).status == 0)
            let (from, to) = ("2026-03-02T00:00:00+05:30", "2026-03-09T12:00:00Z")

            #expect(try await cli.run(["backfill", "office", "--from", to, "--to", from]).status == 2, "reversed range")
            #expect(try await cli.run(["backfill", "office", "--from", "yesterday", "--to", to]).status == 2)
            #expect(try await cli.run(["backfill", "office", "--from", from, "--to", to, "--max", "5000"]).status == 2)
            let over = try await cli.run(["backfill", "office", "--from", from, "--to", to, "--max", "10"])
            #expect(over.status == 1)
            #expect(over.stderr.contains("fires, more than max 10"), "\(over.stderr)")
            #expect(try await runCount(cli, "office") == 0)
            #expect(try await cli.run(["backfill", "missing", "--from", from, "--to", to]).status == 3)

            let dry = try await cli.run(["backfill", "office", "--from", from, "--to", to, "--max", "1000", "--dry-run", "--json"])
            #expect(dry.status == 0, "\(dry.stderr)")
            let ours = ((dry.object["fires"] as? [String]) ?? []).compactMap { text in
                (try? RFC3339.parse(text)).map { Int64($0.date.timeIntervalSince1970.rounded()) }
            }
            let theirs = try Self.croniter(expression, zone: zone, from: from, to: to)
            #expect(!theirs.isEmpty)
            #expect(ours.count == theirs.count, "kjob \(ours.count) fires, croniter \(theirs.count)")
            #expect(ours == theirs)
            #expect(try await runCount(cli, "office") == 0, "a dry run creates nothing")
            let text = try await cli.run(["backfill", "office", "--from", from, "--to", to, "--max", "1000", "--dry-run"])
            #expect(text.stdout.contains("would create \(theirs.count) runs"))

            let created = try await cli.run(["backfill", "office", "--from", from, "--to", to, "--max", "1000"])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout.contains("created \(theirs.count) runs"))
            let again = try await cli.run(["backfill", "office", "--from", from, "--to", to, "--max", "1000"])
            #expect(again.stdout.contains("created 0 runs") && again.stdout.contains("\(theirs.count) fires in the range already had one"), "\(again.stdout)")
            #expect(try await runCount(cli, "office") == Int64(theirs.count))
            #expect(try await cli.run(["backfill", "office", "--from", from, "--to", to], token: "viewer").status == 4)
        }
    }

    @Test("upcoming: the next fires across jobs in time order")
    func upcoming() async throws {
        try await CLIFixture.with { cli in
            for (slug, schedule) in [("five", "@every 5m"), ("seven", "@every 7m"), ("hourly", "@hourly")] {
                #expect(try await cli.run(["apply", "-f", try cli.writeFile("\(slug).toml", Self.job(slug, schedule: schedule))]).status == 0)
            }
            let json = try await cli.run(["upcoming", "--within", "1h", "--json"])
            #expect(json.status == 0, "\(json.stderr)")
            let fires = (json.object["fires"] as? [[String: Any]]) ?? []
            let times = fires.compactMap { $0["scheduled_for"] as? String }
            #expect(times.count >= 11 + 8 + 1)
            #expect(times == times.sorted(), "oldest first")
            #expect(Set(fires.compactMap { $0["slug"] as? String }) == ["five", "seven", "hourly"])
            let table = try await cli.run(["upcoming", "--within", "1h", "--limit", "3"])
            #expect(table.status == 0)
            let lines = table.stdout.split(separator: "\n")
            #expect(lines.first?.contains("WHEN") == true && lines.count == 4)
            #expect(table.stderr.contains("there are more"))
            #expect(try await cli.run(["upcoming", "--within", "soon"]).status == 2)
            #expect(try await cli.run(["upcoming", "--limit", "0"]).status == 2)
        }
    }

    /// croniter's fires in [from, to) as Unix seconds (scripts/cron_range.py in the test venv).
    static func croniter(_ expression: String, zone: String, from: String, to: String) throws -> [Int64] {
        let environment = ProcessInfo.processInfo.environment
        guard let python = environment["KJOB_TEST_PYTHON"], let root = environment["KJOB_REPO_ROOT"] else {
            Issue.record("KJOB_TEST_PYTHON / KJOB_REPO_ROOT are unset: run via scripts/test (it makes the croniter venv)")
            return []
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["\(root)/scripts/cron_range.py", expression, zone, from, to]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "cron_range.py failed")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Int64($0) }
    }
}
