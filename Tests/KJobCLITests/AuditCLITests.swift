import Foundation
import KJobCore
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("kjob audit, disable --note, restore, purge and run triggers", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct AuditCLITests {
    /// A token made with `kjobd token create` (recorded under the OS user `tester`).
    static func token(_ name: String, role: String = "admin", extra: [String] = [], cli: CLIFixture) async throws -> String {
        let created = try await TokenCommandTests.kjobd(["token", "create", "--name", name, "--role", role] + extra, cli: cli)
        #expect(created.status == 0, "\(created.stderr)")
        return created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("create (alice), apply (bob), disable --note, run-now, cancel, delete, restore: kjob audit lists each with its actor, in order, with the changes")
    func trail() async throws {
        try await CLIFixture.with { cli in
            let alice = try await Self.token("alice", cli: cli)
            let bob = try await Self.token("bob", cli: cli)
            #expect(
                try await cli.run(
                    ["create", "--slug", "nightly", "--prompt", "/k-housekeep", "--schedule", "0 9 * * MON", "--agent", "kode"],
                    token: alice
                ).status == 0)
            let file = try cli.writeFile(
                "nightly.toml",
                """
                [job]
                slug = "nightly"
                prompt = "/k-housekeep"
                agent = "kode"
                schedule = "@daily"
                """)
            #expect(try await cli.run(["apply", "-f", file], token: bob).status == 0)
            let paused = try await cli.run(["disable", "nightly", "--note", "waiting for the vendor fix"], token: bob)
            #expect(paused.status == 0, "\(paused.stderr)")

            let list = try await cli.run(["list"], token: "viewer")
            #expect(list.stdout.contains("paused (bob)"), "\(list.stdout)")
            let inspect = try await cli.run(["inspect", "nightly"], token: "viewer")
            #expect(
                inspect.stdout.contains("paused by bob now: waiting for the vendor fix")
                    || inspect.stdout.range(of: #"paused by bob \d+s ago: waiting for the vendor fix"#, options: .regularExpression) != nil,
                "\(inspect.stdout)")
            #expect(inspect.stdout.contains("owner:       bob"))
            #expect(inspect.stdout.range(of: #"created: .* by alice"#, options: .regularExpression) != nil, "\(inspect.stdout)")
            #expect(inspect.stdout.range(of: #"updated: .* by bob"#, options: .regularExpression) != nil)

            let run = try await cli.run(["run-now", "nightly", "--json"], token: alice)
            let runID = try #require(run.object["id"] as? String, "\(run.stdout) \(run.stderr)")
            #expect(try await cli.run(["cancel", runID], token: bob).status == 0)
            let runs = try await cli.run(["runs", "nightly"], token: "viewer")
            #expect(runs.stdout.contains("TRIGGER") && runs.stdout.contains("manual (alice)"), "\(runs.stdout)")
            #expect(try await cli.run(["delete", "nightly"], token: alice).status == 0)
            let restored = try await cli.run(["restore", "nightly"], token: bob)
            #expect(restored.status == 0 && restored.stdout.contains("restored job nightly"), "\(restored.stderr)")

            let json = try await cli.run(["audit", "nightly", "--json"], token: "viewer")
            #expect(json.status == 0, "\(json.stderr)")
            let trail = json.array.reversed().map { "\($0["actor"] as? String ?? "?") \($0["action"] as? String ?? "?")" }
            #expect(
                trail == [
                    "alice job.create", "bob job.update", "bob job.disable", "alice job.run", "bob run.cancel", "alice job.delete",
                    "bob job.restore"
                ])

            let table = try await cli.run(["audit", "nightly"], token: "viewer")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.range(of: #"^AT\s+ACTOR\s+ACTION\s+JOB\s+RUN\s+NOTE$"#, options: .regularExpression) != nil, "\(table.stdout)")
            #expect(lines.count == 8)
            #expect(
                lines.contains {
                    $0.contains("bob") && $0.contains("job.update") && $0.contains("schedule: 0 9 * * MON → @daily")
                        && $0.contains("owner: alice → bob")
                })
            #expect(lines.contains { $0.contains("job.disable") && $0.contains("waiting for the vendor fix") })
            #expect(lines.contains { $0.contains("job.run") && $0.contains(String(runID.prefix(8))) })

            let limited = try await cli.run(["audit", "nightly", "--limit", "2", "--json"], token: "viewer")
            #expect(limited.array.map { $0["action"] as? String } == ["job.restore", "job.delete"])
            #expect(limited.stderr.isEmpty)
            let disables = try await cli.run(["audit", "--action", "job.disable", "--since", "1h"], token: "viewer")
            #expect(disables.stdout.split(separator: "\n").count == 2, "\(disables.stdout)")
            #expect(try await cli.run(["audit", "--action", "job.explode"], token: "viewer").status == 2)
            #expect(try await cli.run(["audit", "--since", "last tuesday"], token: "viewer").status == 2)
            #expect(try await cli.run(["audit", "Not_A_Slug"], token: "viewer").status == 2)

            // The audit is the tenant's: a token of tenant a sees none of it.
            let other = try await cli.run(["audit", "nightly", "--json"], token: "a-viewer")
            #expect(other.status == 0 && other.array.isEmpty)
        }
    }

    @Test("bad input: a note over 1 KiB exits 2 and changes nothing; restore of a taken slug exits 1; purge erases; restore afterwards exits 3")
    func badInputAndPurge() async throws {
        try await CLIFixture.with { cli in
            #expect(try await cli.run(["create", "--slug", "keep", "--prompt", "p", "--schedule", "@daily", "--agent", "kode"]).status == 0)
            let long = try await cli.run(["disable", "keep", "--note", String(repeating: "n", count: PauseNote.maxBytes + 1)], token: "operator")
            #expect(long.status == 2)
            #expect(long.stderr.contains("note"))
            let job = try await cli.run(["inspect", "keep", "--json"], token: "viewer")
            #expect((job.object["job"] as? [String: Any])?["enabled"] as? Bool == true)

            #expect(try await cli.run(["delete", "keep"]).status == 0)
            #expect(try await cli.run(["create", "--slug", "keep", "--prompt", "p2", "--schedule", "@daily", "--agent", "kode"]).status == 0)
            let taken = try await cli.run(["restore", "keep"])
            #expect(taken.status == 1)
            #expect(taken.stderr.contains("live job"))
            let purged = try await cli.run(["delete", "keep", "--purge"])
            #expect(purged.status == 0 && purged.stdout.contains("purged job keep"))
            #expect(try await cli.run(["restore", "keep"]).status == 0)
            #expect(try await cli.run(["delete", "keep", "--purge"], token: "operator").status == 4)
            #expect(try await cli.run(["delete", "keep", "--purge"]).status == 0)
            #expect(try await cli.run(["restore", "keep"]).status == 3)
            let audit = try await cli.run(["audit", "keep", "--json"], token: "viewer")
            #expect(audit.array.map { $0["action"] as? String } == ["job.purge", "job.restore", "job.purge", "job.create", "job.delete", "job.create"])
        }
    }
}
