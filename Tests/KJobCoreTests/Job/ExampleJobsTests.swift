import Foundation
import KJobCore
import Testing

@Suite("examples/*.toml")
struct ExampleJobsTests {
    static func exampleFiles() throws -> [URL] {
        let directory = JobSpecFixtures.repositoryRoot.appendingPathComponent("examples")
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "toml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test func thereAreExamples() throws {
        #expect(try Self.exampleFiles().count >= 3)
    }

    @Test func everyExampleParsesValidatesAndRoundTrips() throws {
        let node = JobValidationContext(agents: ["demo"], availableBackends: [.process, .bwrap])
        for file in try Self.exampleFiles() {
            let bytes = try Data(contentsOf: file)
            let spec = try JobSpec(tomlBytes: bytes)
            #expect(spec.slug + ".toml" == file.lastPathComponent)
            #expect(spec.validate(against: node).isEmpty, "\(file.lastPathComponent)")
            #expect(try JobSpec(toml: spec.toml()) == spec)
        }
    }

    @Test func weeklyAuditMatchesTheDesign() throws {
        let file = JobSpecFixtures.repositoryRoot.appendingPathComponent("examples/weekly-stack-audit.toml")
        let spec = try JobSpec(tomlBytes: try Data(contentsOf: file))
        #expect(spec.timezone == "Europe/Lisbon")
        #expect(spec.retries == RetryPolicy(maxRetries: 3, backoff: .exponential, initialDelay: .seconds(30), maxDelay: .seconds(600)))
        #expect(spec.misfire == MisfirePolicy(mode: .latest, window: .seconds(3600)))
    }
}
