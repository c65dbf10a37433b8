import Foundation
import KJobCore
import Testing

@Suite("JobSpec emit and JSON")
struct JobSpecRoundTripTests {
    typealias F = JobSpecFixtures

    static func full() throws -> JobSpec {
        JobSpec(
            slug: "weekly-stack-audit",
            prompt: "line \"one\"\n\ttab \\ backslash — ✓ \u{7}bell\r\nend\"",
            agent: "kode",
            schedule: try Schedule(parsing: "0 9 * * MON"),
            timezone: "Europe/Lisbon",
            sandbox: JobSpec.Sandbox(backend: .podman, image: "docker.io/library/alpine:3", network: true, memoryBytes: 3 << 29, cpuMillicores: 1250, pids: 64),
            outputs: [OutputTarget(channel: "ops \"chat\"", on: [.failure]), OutputTarget(channel: "log", on: [.success, .always])],
            retries: RetryPolicy(maxRetries: 3, backoff: .fixed, initialDelay: .milliseconds(1500), maxDelay: .seconds(5400)),
            timeout: .seconds(90),
            enabled: false,
            overlap: .queue,
            misfire: MisfirePolicy(mode: .all, window: .seconds(86_400 * 2)),
            env: ["REGION": "eu=west", "_Q": "\"quoted\" \\ and\ttab", "EMPTY": ""],
            description: "multi\nline \"description\"")
    }

    static func specs() throws -> [JobSpec] {
        var single = try full()
        single.outputs = [OutputTarget(channel: "only")]
        single.sandbox = .default
        single.retries = .default
        single.env = ["_NL": "a\nnewline"]  // a line break is fine outside a container (process backend)
        var trailing = try full()
        trailing.prompt = "ends with quotes \"\"\"\n\n"
        trailing.outputs = []
        let minimal = JobSpec(slug: "m", prompt: "p", agent: "a", schedule: try Schedule(parsing: "@daily"))
        return [try full(), single, trailing, minimal]
    }

    @Test func tomlRoundTrips() throws {
        for spec in try Self.specs() {
            #expect(spec.validate().isEmpty, "\(spec.validate())")
            let text = spec.toml()
            let parsed = try JobSpec(toml: text)
            #expect(parsed == spec, "\(text)")
        }
    }

    @Test func emittedFileReadsLikeTheDesign() throws {
        var spec = try Self.full()
        spec.outputs = [OutputTarget(channel: "ops")]
        let text = spec.toml()
        #expect(text.hasPrefix("[job]\nslug = \"weekly-stack-audit\"\n"))
        #expect(text.contains("timeout = \"1m30s\"\n"))
        #expect(text.contains("retries = { max = 3, backoff = \"fixed\", initial = \"1s500ms\", max_delay = \"1h30m\" }\n"))
        #expect(
            text.contains(
                "sandbox = { backend = \"podman\", image = \"docker.io/library/alpine:3\", network = true, memory = \"1536MiB\", cpu = 1.25, pids = 64 }\n"))
        #expect(text.contains("output = { channel = \"ops\" }\n"))
        #expect(text.contains("prompt = \"\"\"\n"))
    }

    @Test func listOutputsEmitAsArrayOfTables() throws {
        let text = try Self.full().toml()
        #expect(text.contains("[[job.output]]\nchannel = \"ops \\\"chat\\\"\"\non = [\"failure\"]\n"))
    }

    @Test func jsonRoundTrips() throws {
        for spec in try Self.specs() {
            let data = try JSONEncoder().encode(spec)
            #expect(try JSONDecoder().decode(JobSpec.self, from: data) == spec)
            #expect(try JobSpec(json: data) == spec)
        }
    }

    @Test func jsonUsesTheTOMLKeyNames() throws {
        let data = try JSONEncoder().encode(try Self.full())
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "slug", "prompt", "agent", "schedule", "timezone", "sandbox", "output", "retries", "timeout", "enabled",
                "overlap", "misfire", "env", "description"
            ])
        let retries = try #require(object["retries"] as? [String: Any])
        #expect(retries["max_delay"] as? String == "1h30m")
        #expect(retries["initial"] as? String == "1s500ms")
        #expect(object["timeout"] as? String == "1m30s")
        #expect((object["sandbox"] as? [String: Any])?["memory"] as? String == "1536MiB")
        #expect((object["sandbox"] as? [String: Any])?["cpu"] as? Double == 1.25)
        #expect((object["misfire"] as? [String: Any])?["policy"] as? String == "all")
        #expect((object["output"] as? [[String: Any]])?.first?["on"] as? [String] == ["failure"])
    }

    @Test func jsonAcceptsTheInlineOutputFormToo() throws {
        let json = #"{"slug":"a","prompt":"p","agent":"demo","schedule":"@daily","output":{"channel":"ops"}}"#
        #expect(try JobSpec(json: Data(json.utf8)).outputs == [OutputTarget(channel: "ops")])
    }

    @Test func jsonErrorsUseUnprefixedPathsAndCollectEverything() {
        let json = #"{"slug":"A","prompt":"p","schedule":"@daily","retries":{"maxx":1,"initial":5},"timeout":null,"env":{"KJOB_X":"1"}}"#
        do {
            _ = try JobSpec(json: Data(json.utf8))
            Issue.record("accepted a bad job")
        } catch {
            #expect(Set(error.fields) == ["slug", "agent", "retries.maxx", "retries.initial", "timeout", "env.KJOB_X"])
            #expect(error.error(for: "timeout")?.message.contains("got null") == true)
        }
    }

    @Test func jsonDecodableThrowsTheSameError() {
        let json = #"{"slug":"a","prompt":"p","agent":"demo","schedule":"@daily","overlap":"never"}"#
        #expect(throws: JobSpecError.self) { try JSONDecoder().decode(JobSpec.self, from: Data(json.utf8)) }
    }

    @Test func badJSONDocuments() {
        for text in ["{", "[1]", "\"job\"", "null"] {
            do {
                _ = try JobSpec(json: Data(text.utf8))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.fields == [""], "\(text)")
            }
        }
        do {
            _ = try JobSpec(json: Data([0x7B, 0xFF, 0x7D]))
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.errors.first?.message.contains("not valid UTF-8") == true)
        }
    }

    @Test func jsonNumbersAreNotBooleansNorStrings() {
        let json = #"{"slug":"a","prompt":"p","agent":"demo","schedule":"@daily","enabled":1,"timeout":60}"#
        do {
            _ = try JobSpec(json: Data(json.utf8))
            Issue.record("accepted")
        } catch {
            #expect(Set(error.fields) == ["enabled", "timeout"])
        }
    }
}
