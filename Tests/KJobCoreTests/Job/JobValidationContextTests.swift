import Foundation
import KJobCore
import Testing

@Suite("JobSpec against a node")
struct JobValidationContextTests {
    typealias F = JobSpecFixtures

    let node = JobValidationContext(
        agents: ["shell", "demo"],
        availableBackends: [.process, .bwrap],
        unavailableReasons: [.docker: "no docker engine"])

    @Test func configuredAgentAndBackendPass() throws {
        let spec = try JobSpec(toml: F.toml(#"sandbox = { backend = "bwrap" }"#))
        #expect(spec.validate(against: node).isEmpty)
        #expect(try JobSpec(toml: F.toml(), context: node).agent == "demo")
    }

    @Test func unknownAgentListsTheConfiguredOnes() throws {
        let spec = try JobSpec(toml: F.toml(agent: #""kode""#))
        let errors = spec.validate(against: node)
        #expect(errors == [FieldError(field: "job.agent", message: #"agent "kode" is not configured on this node; configured: demo, shell"#)])
        #expect(try JobSpec(toml: F.toml(agent: #""shel""#)).validate(against: node).first?.message.contains("did you mean shell?") == true)
    }

    @Test func unavailableBackendSaysWhy() throws {
        let spec = try JobSpec(toml: F.toml(#"sandbox = { backend = "docker", image = "alpine:3" }"#))
        let errors = spec.validate(against: node)
        #expect(
            errors == [
                FieldError(
                    field: "job.sandbox.backend",
                    message: "sandbox backend docker is not available on this node (no docker engine); available: bwrap, process")
            ])
        let podman = try JobSpec(toml: F.toml(#"sandbox = { backend = "podman", image = "alpine:3" }"#))
        #expect(podman.validate(against: node).first?.message == "sandbox backend podman is not available on this node; available: bwrap, process")
    }

    @Test func bothNodeProblemsAtOnceAndJSONPrefix() throws {
        let spec = try JobSpec(toml: F.toml(agent: #""kode""#, #"sandbox = { backend = "docker", image = "alpine:3" }"#))
        #expect(spec.validate(against: node, fieldPrefix: "").map(\.field) == ["agent", "sandbox.backend"])
        #expect(throws: JobSpecError.self) { try JobSpec(toml: F.toml(agent: #""kode""#), context: node) }
    }

    @Test func memberwiseSpecsAreValidatedToo() throws {
        var spec = JobSpec(slug: "Bad", prompt: "", agent: "demo", schedule: try Schedule(parsing: "@daily"), timezone: "Nowhere/Land")
        spec.sandbox.backend = .docker
        spec.env["KJOB_EPOCH"] = "9"
        #expect(spec.validate().map(\.field) == ["job.slug", "job.prompt", "job.timezone", "job.sandbox.image", "job.env.KJOB_EPOCH"])
        #expect(throws: JobSpecError.self) { try spec.validated() }
    }
}
