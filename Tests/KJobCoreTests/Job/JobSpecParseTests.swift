import Foundation
import KJobCore
import Testing

@Suite("JobSpec parsing")
struct JobSpecParseTests {
    typealias F = JobSpecFixtures

    @Test func minimalFileGetsTheDocumentedDefaults() throws {
        let spec = try JobSpec(toml: F.toml())
        #expect(spec.slug == "s")
        #expect(spec.prompt == "p")
        #expect(spec.agent == "demo")
        #expect(spec.schedule.text == "0 9 * * MON")
        #expect(spec.timezone == "UTC")
        #expect(spec.sandbox == JobSpec.Sandbox(backend: .process, image: nil, network: false))
        #expect(spec.outputs.isEmpty)
        #expect(spec.retries == RetryPolicy(maxRetries: 0, backoff: .exponential, initialDelay: .seconds(30), maxDelay: .seconds(600)))
        #expect(spec.timeout == .seconds(3600))
        #expect(spec.enabled)
        #expect(spec.overlap == .skip)
        #expect(spec.misfire == MisfirePolicy(mode: .latest, window: .seconds(3600)))
        #expect(spec.env.isEmpty)
        #expect(spec.description == "")
    }

    @Test func everyFieldIsRead() throws {
        let spec = try JobSpec(
            toml: """
                [job]
                slug      = "weekly-stack-audit"
                prompt    = "/k-housekeep"
                agent     = "kode"
                schedule  = "0 9 * * MON"
                timezone  = "Europe/Lisbon"
                sandbox   = { backend = "docker", image = "alpine:3", network = true, memory = "512MiB", cpu = 1.5, pids = 256 }
                retries   = { max = 3, backoff = "fixed", initial = "30s", max_delay = "10m" }
                timeout   = "30m"
                enabled   = false
                overlap   = "replace"
                misfire   = { policy = "all", window = "2h" }
                env       = { KEY = "value", _other = "x" }
                description = "free text"

                [[job.output]]
                channel = "ops"
                on = ["failure"]

                [[job.output]]
                channel = "log"
                on = ["success", "failure"]
                """)
        #expect(spec.slug == "weekly-stack-audit")
        #expect(spec.timezone == "Europe/Lisbon")
        #expect(spec.timeZone.identifier == "Europe/Lisbon")
        #expect(spec.sandbox == JobSpec.Sandbox(backend: .docker, image: "alpine:3", network: true, memoryBytes: 512 << 20, cpuMillicores: 1500, pids: 256))
        #expect(spec.retries == RetryPolicy(maxRetries: 3, backoff: .fixed, initialDelay: .seconds(30), maxDelay: .seconds(600)))
        #expect(spec.timeout == .seconds(1800))
        #expect(!spec.enabled)
        #expect(spec.overlap == .replace)
        #expect(spec.misfire == MisfirePolicy(mode: .all, window: .seconds(7200)))
        #expect(spec.env == ["KEY": "value", "_other": "x"])
        #expect(spec.description == "free text")
        #expect(spec.outputs == [OutputTarget(channel: "ops", on: [.failure]), OutputTarget(channel: "log", on: [.success, .failure])])
    }

    @Test func inlineOutputDefaultsToAlways() throws {
        let spec = try JobSpec(toml: F.toml(#"output = { channel = "kode-chat:user-rpm32510" }"#))
        #expect(spec.outputs == [OutputTarget(channel: "kode-chat:user-rpm32510", on: [.always])])
    }

    @Test func partialSubTablesKeepDefaultsForTheRest() throws {
        let spec = try JobSpec(
            toml: F.toml(
                """
                retries = { max = 2 }
                misfire = { policy = "skip" }
                sandbox = { network = true }
                """))
        #expect(spec.retries == RetryPolicy(maxRetries: 2))
        #expect(spec.misfire == MisfirePolicy(mode: .skip, window: .seconds(3600)))
        #expect(spec.sandbox == JobSpec.Sandbox(backend: .process, network: true))
    }

    @Test(arguments: [
        ("cpu = 2", 2000), ("cpu = 0.25", 250), (#"cpu = "1.5""#, 1500), ("cpu = 0.01", 10), ("cpu = 1024", 1_024_000)
    ])
    func cpuIsCores(line: String, millicores: Int) throws {
        let spec = try JobSpec(toml: F.toml("sandbox = { \(line) }"))
        #expect(spec.sandbox.cpuMillicores == millicores)
    }

    @Test(arguments: ["a", "0", "weekly-stack-audit", "a-b-c", "9lives", String(repeating: "x", count: 63)])
    func validSlugs(slug: String) throws {
        #expect(try JobSpec(toml: F.toml(slug: "\"\(slug)\"")).slug == slug)
    }

    @Test(arguments: ["UTC", "Europe/Lisbon", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"])
    func validZones(zone: String) throws {
        #expect(try JobSpec(toml: F.toml("timezone = \"\(zone)\"")).timezone == zone)
    }

    @Test func multilinePromptAndUnicodeArePreserved() throws {
        let spec = try JobSpec(toml: F.toml(prompt: "\"\"\"\nline one\nlínea dos — ✓\n\"\"\""))
        #expect(spec.prompt == "line one\nlínea dos — ✓\n")
    }

    @Test func promptAtTheLimitIsAccepted() throws {
        let prompt = String(repeating: "a", count: JobSpecLimits.promptBytes)
        #expect(try JobSpec(toml: F.toml(prompt: "\"\(prompt)\"")).prompt.utf8.count == 65_536)
    }

    @Test func tomlBytesEntryPointAcceptsUTF8() throws {
        let spec = try JobSpec(tomlBytes: Array(F.toml(prompt: "\"café\"").utf8))
        #expect(spec.prompt == "café")
    }
}
