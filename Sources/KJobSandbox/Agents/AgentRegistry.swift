import TOMLKit

/// The agents kjobd may run, from its config's `[agents.NAME] command = [...]` tables.
public struct AgentRegistry: Sendable, Hashable {
    public private(set) var agents: [String: AgentDefinition]

    public init(_ agents: [AgentDefinition] = []) {
        self.agents = Dictionary(agents.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Reads the `agents` table of a kjobd config file; other tables are ignored.
    public init(toml text: String) throws(SandboxError) {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch {
            throw SandboxError(.invalidConfiguration, "config is not valid TOML: \(error)", fix: "fix the TOML syntax")
        }
        if let agents = table["agents"], agents.table == nil {
            throw SandboxError(.invalidConfiguration, "agents is not a table", fix: "write one [agents.NAME] table per agent")
        }
        try self.init(agentsTable: table["agents"]?.table)
    }

    public init(agentsTable: TOMLTable?) throws(SandboxError) {
        var found: [AgentDefinition] = []
        for (name, value) in agentsTable ?? TOMLTable() {
            guard let entry = value.table else {
                throw SandboxError(.invalidConfiguration, "agents.\(name) is not a table", fix: "write [agents.\(name)] with command = [...]")
            }
            for key in entry.keys where key != "command" {
                throw SandboxError(.invalidConfiguration, "agents.\(name) has unknown key \"\(key)\"", fix: "only command = [...] is accepted")
            }
            guard let array = entry["command"]?.array else {
                throw SandboxError(
                    .invalidConfiguration, "agents.\(name).command is missing or not an array",
                    fix: "write command = [\"program\", \"arg\", \"{prompt}\"]")
            }
            var command: [String] = []
            for element in array {
                guard let text = element.string else {
                    throw SandboxError(
                        .invalidConfiguration, "agents.\(name).command holds a non-string element",
                        fix: "quote every argument")
                }
                command.append(text)
            }
            found.append(try AgentDefinition(name: name, command: command))
        }
        self.init(found)
    }

    /// The argv for `agent` with `prompt` substituted, or an error naming the known agents.
    public func argv(agent: String, prompt: String) throws(SandboxError) -> [String] {
        guard let definition = agents[agent] else {
            let known = agents.keys.sorted().joined(separator: ", ")
            throw SandboxError(
                .unknownAgent, "no agent named \"\(agent)\" (known: \(known.isEmpty ? "none" : known))",
                fix: "add [agents.\(agent)] to the kjobd config or change the job's agent")
        }
        return definition.argv(prompt: prompt)
    }
}
