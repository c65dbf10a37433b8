/// Why a run could not be set up or started, and what the operator can do about it.
public struct SandboxError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case invalidConfiguration
        case unknownAgent
        case backendUnavailable
        case workdir
        case logFile
        case spawnFailed
        case spawnHelperMissing
        case runAsUser
    }

    public var code: Code
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String

    public init(_ code: Code, _ message: String, fix: String) {
        self.code = code
        self.message = message
        self.fix = fix
    }

    public var description: String { "\(message); \(fix)" }
}
