import Testing

@testable import KJobSandbox

@Suite struct AgentRegistryTests {
    @Test func substitutesThePromptInsideEveryArgumentWithoutAShell() throws {
        let agent = try AgentDefinition(name: "kode", command: ["kode", "--print", "{prompt}", "--tag={prompt}!"])
        let prompt = "it's $(rm -rf /) \"quoted\" ; && |"
        #expect(agent.argv(prompt: prompt) == ["kode", "--print", prompt, "--tag=\(prompt)!"])
    }

    @Test func readsAgentsFromConfigToml() throws {
        let registry = try AgentRegistry(
            toml: """
                [daemon]
                node = "s.sched-1"
                [agents.kode]
                command = ["kode", "--print", "{prompt}"]
                [agents.echo]
                command = ["/bin/echo", "{prompt}"]
                """)
        #expect(try registry.argv(agent: "kode", prompt: "/k-housekeep") == ["kode", "--print", "/k-housekeep"])
        #expect(try registry.argv(agent: "echo", prompt: "hi") == ["/bin/echo", "hi"])
    }

    @Test func unknownAgentNamesTheKnownOnes() throws {
        let registry = AgentRegistry([try AgentDefinition(name: "kode", command: ["kode"])])
        let error = #expect(throws: SandboxError.self) { try registry.argv(agent: "claude", prompt: "x") }
        #expect(error?.code == .unknownAgent)
        #expect(error?.message.contains("kode") == true)
    }

    @Test(arguments: [
        "[agents.a]\ncommand = []",
        "[agents.a]\ncommand = [\"{prompt}\"]",
        "[agents.a]\ncommand = \"kode\"",
        "[agents.a]\ncommand = [\"kode\", 3]",
        "[agents.a]\ncommand = [\"kode\"]\nshell = true",
        "agents = 3",
        "[agents\n"
    ])
    func badAgentConfigIsAClearError(text: String) {
        let error = #expect(throws: SandboxError.self) { try AgentRegistry(toml: text) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.fix.isEmpty == false)
    }
}
