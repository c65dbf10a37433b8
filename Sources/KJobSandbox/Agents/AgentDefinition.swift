import Foundation

/// One `[agents.NAME]` entry: the argv template a job's prompt is put into.
public struct AgentDefinition: Sendable, Hashable {
    /// The placeholder replaced by the prompt inside any argument, e.g. `["kode", "--print", "{prompt}"]`.
    public static let promptPlaceholder = "{prompt}"

    public var name: String
    /// Program and arguments; the program is looked up on the child's `PATH`. No shell is involved.
    public var command: [String]

    public init(name: String, command: [String]) throws(SandboxError) {
        guard let program = command.first, !program.isEmpty else {
            throw SandboxError(
                .invalidConfiguration,
                "agents.\(name).command is empty",
                fix: "give the program and its arguments, e.g. command = [\"kode\", \"--print\", \"{prompt}\"]")
        }
        guard !program.contains(Self.promptPlaceholder) else {
            throw SandboxError(
                .invalidConfiguration,
                "agents.\(name).command puts {prompt} in the program name",
                fix: "name a fixed program first and pass {prompt} as an argument")
        }
        self.name = name
        self.command = command
    }

    /// The argv for one run: every `{prompt}` inside every argument replaced by the prompt, verbatim.
    public func argv(prompt: String) -> [String] {
        command.map { $0.replacingOccurrences(of: Self.promptPlaceholder, with: prompt) }
    }
}
