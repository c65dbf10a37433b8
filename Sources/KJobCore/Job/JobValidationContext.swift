/// What a node offers, for checks a spec cannot make on its own (DESIGN §8).
public struct JobValidationContext: Hashable, Sendable {
    /// Names from the node's `[agents.*]`.
    public var agents: Set<String>
    /// Backends this node can run.
    public var availableBackends: Set<SandboxBackend>
    /// Why an unavailable backend is missing, e.g. `.docker: "no docker engine"`.
    public var unavailableReasons: [SandboxBackend: String]

    public init(
        agents: Set<String>,
        availableBackends: Set<SandboxBackend> = [.process],
        unavailableReasons: [SandboxBackend: String] = [:]
    ) {
        self.agents = agents
        self.availableBackends = availableBackends
        self.unavailableReasons = unavailableReasons
    }
}

extension JobSpec {
    /// The problems of this spec on a node: its own `validate()` plus agent and backend checks.
    public func validate(against context: JobValidationContext, fieldPrefix: String = JobSpec.tomlFieldPrefix) -> [FieldError] {
        var errors = validate(fieldPrefix: fieldPrefix)
        if !context.agents.contains(agent), !errors.contains(where: { $0.field == fieldPrefix + "agent" }) {
            let configured = context.agents.isEmpty ? "none" : context.agents.sorted().joined(separator: ", ")
            var message = "agent \"\(agent)\" is not configured on this node; configured: \(configured)"
            if let suggestion = KeySuggestion.closest(to: agent, among: context.agents.sorted()) { message += " (did you mean \(suggestion)?)" }
            errors.append(FieldError(field: fieldPrefix + "agent", message: message))
        }
        if !context.availableBackends.contains(sandbox.backend) {
            let reason = context.unavailableReasons[sandbox.backend].map { " (\($0))" } ?? ""
            let available = context.availableBackends.map(\.rawValue).sorted().joined(separator: ", ")
            errors.append(
                FieldError(
                    field: fieldPrefix + "sandbox.backend",
                    message: "sandbox backend \(sandbox.backend) is not available on this node\(reason); available: \(available.isEmpty ? "none" : available)"))
        }
        return errors
    }

    /// Parses, validates and checks against a node in one step.
    public init(toml text: String, context: JobValidationContext) throws(JobSpecError) {
        let spec = try JobSpec(toml: text)
        let errors = spec.validate(against: context)
        guard errors.isEmpty else { throw JobSpecError(errors: errors) }
        self = spec
    }
}
