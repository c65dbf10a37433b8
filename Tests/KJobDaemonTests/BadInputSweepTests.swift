import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

@testable import KJobDaemon

/// Hostile and broken jobs against a live executor: each ends with a recorded status (and its dispatch
/// when it has an output), a clear error where one applies, and the node keeps running jobs.
@Suite("Bad input sweep: hostile output, prompt, env and slug", .enabled(if: TestDatabase.available))
struct BadInputSweepTests {
    struct Case: Sendable, CustomStringConvertible {
        var slug: String
        var agent = "sh"
        var prompt: String
        var description: String { slug }
    }

    static let outputs: [Case] = [
        Case(slug: "prints-nul", prompt: #"printf 'a\000b\n'"#),
        Case(slug: "prints-invalid-utf8", prompt: #"printf '\377\376x\300\n'"#),
        Case(slug: "prints-one-gib", prompt: "head -c 1073741824 /dev/zero"),
        Case(slug: "one-long-line", prompt: #"head -c 5242880 /dev/zero | tr '\000' x"#),
        Case(slug: "closes-stdout-early", prompt: "exec 1>&- 2>&-; sleep 1; exit 0"),
        Case(slug: "hostile-prompt", agent: "echo", prompt: #"$(touch "$HOME/../../pwned"); `id`; rm -rf / --no-preserve-root #'"\"#)
    ]

    static func spec(_ c: Case) throws -> JobSpec {
        var toml = "[job]\nslug = \"\(c.slug)\"\nagent = \"\(c.agent)\"\nschedule = \"@every 1d\"\ntimeout = \"5m\"\n"
        toml += "output = { channel = \"alerts\" }\nprompt = \(Self.quoted(c.prompt))\n"
        return try JobSpec(toml: toml)
    }

    /// A TOML basic string.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test("hostile output and prompts end recorded, with their dispatch, and the node still runs jobs")
    func outputSweep() async throws {
        try await ExecutorHarness.with(pollInterval: .milliseconds(200), agents: ["echo": ["/bin/echo", "{prompt}"]]) { h in
            let context = StoreContext(client: h.client, names: h.db.names, logger: h.db.logger)
            let jobs = JobsRepository(context)
            let runs = RunsRepository(context)
            var started: [(Case, UUID)] = []
            for c in Self.outputs {
                guard case .created(let job) = try await jobs.write(tenant: "default", spec: try Self.spec(c), mode: .create, now: Date(), actor: "alice")
                else {
                    Issue.record("\(c) not created")
                    continue
                }
                started.append((c, try await runs.insertManualRun(jobID: job.id, actor: "alice").id))
            }
            for (c, id) in started {
                let status = try await h.waitFor(id, ["succeeded", "failed", "timed_out", "cancelled", "lost"], timeout: .seconds(180))
                let reason = try await runs.get(id: id, tenant: nil)?.reason ?? "-"
                #expect(status == "succeeded", "\(c) ended \(status): \(reason)")
                let dispatches = try await runs.dispatches(runID: id)
                #expect(dispatches.count == 1, "\(c): the run's result is in the outbox once")
                let payload = try #require(
                    try await h.client.scalar(
                        "SELECT payload::text FROM \(unescaped: h.db.names.schema).dispatches WHERE run_id = \(id)", as: String.self))
                #expect(!payload.contains("\\u0000"), "\(c): no NUL reaches the dispatch body")
                #expect(payload.utf8.count < 64 << 10, "\(c): the dispatch body is a bounded tail, not the output")
            }
            let by = Dictionary(uniqueKeysWithValues: started.map { ($0.0.slug, $0.1) })

            // The log keeps the raw bytes; the cap holds for 1 GiB.
            let store = RunLogStore(client: h.client, names: h.db.names, logger: h.db.logger)
            let ids = try ["prints-nul", "prints-one-gib", "one-long-line", "hostile-prompt"].map { try #require(by[$0]) }
            let nul = try await store.chunks(runID: ids[0]).flatMap(\.data)
            #expect(nul == Array("a\u{0}b\n".utf8))
            let huge = try #require(try await runs.get(id: ids[1], tenant: nil))
            #expect(huge.logTruncated)
            #expect(huge.logBytes <= 10 << 20 + 4096, "max_log_bytes caps the stored log: \(huge.logBytes)")
            let long = try #require(try await runs.get(id: ids[2], tenant: nil))
            #expect(long.logBytes == 5 << 20 && !long.logTruncated)

            // The prompt reached the agent as one argument, never through a shell.
            let echoed = try await store.chunks(runID: ids[3]).flatMap(\.data)
            #expect(String(decoding: echoed, as: UTF8.self) == Self.outputs.last!.prompt + "\n")
            #expect(!FileManager.default.fileExists(atPath: "\(h.root)/work/pwned"))

            // Still healthy: an ordinary job runs after all of that.
            guard
                case .created(let plain) = try await jobs.write(
                    tenant: "default",
                    spec: try JobSpec(
                        toml: """
                            [job]
                            slug = "plain"
                            agent = "sh"
                            prompt = "echo ok"
                            schedule = "@every 1d"
                            """), mode: .create, now: Date(), actor: "alice")
            else {
                Issue.record("plain job not created")
                return
            }
            let ok = try await runs.insertManualRun(jobID: plain.id, actor: "alice")
            #expect(try await h.waitFor(ok.id, ["succeeded", "failed"]) == "succeeded")
        }
    }

    /// Each hostile spec is refused before anything is stored, with an error that names its field (a
    /// NUL escape is refused by the TOML preflight, which names its line and column).
    @Test(
        "hostile env, slug and prompt values are refused naming the field",
        arguments: [
            ("env", #"env = { LD_PRELOAD = "/tmp/x.so" }"#, "job.env.LD_PRELOAD"),
            ("env", #"env = { LD_LIBRARY_PATH = "/tmp" }"#, "job.env.LD_LIBRARY_PATH"),
            ("env", #"env = { KJOB_EPOCH = "999" }"#, "job.env.KJOB_EPOCH"),
            ("env", #"env = { "A=B" = "x" }"#, "job.env"),
            ("env", #"env = { OK = "a\u0000b" }"#, "NUL characters cannot be passed"),
            ("slug", #"slug = "../../etc/passwd""#, "job.slug"),
            ("slug", #"slug = "UPPER""#, "job.slug"),
            ("slug", #"slug = "-leading-dash""#, "job.slug"),
            ("prompt", #"prompt = "a\u0000b""#, "NUL characters cannot be passed"),
            ("prompt", #"prompt = "   ""#, "job.prompt")
        ])
    func hostileSpecs(field: String, line: String, location: String) throws {
        var lines = ["slug = \"victim\"", "agent = \"sh\"", "prompt = \"true\"", "schedule = \"@every 1d\""]
        lines.removeAll { $0.hasPrefix(field + " ") }
        lines.append(line)
        let toml = "[job]\n" + lines.joined(separator: "\n") + "\n"
        do {
            _ = try JobSpec(toml: toml)
            Issue.record("accepted: \(line)")
        } catch {
            let text = "\(error)"
            #expect(text.contains(location), "the error names \(location): \(text)")
        }
    }
}
