/// One changed field as the audit records it: its value before and after as short text (nil:
/// absent). Secrets never appear: environment values are ``redacted``.
public struct FieldChange: Hashable, Sendable, Codable {
    /// A dotted path as in the job file without the `job.` prefix (`schedule`, `retries.max`, `env.TOKEN`).
    public var field: String
    public var from: String?
    public var to: String?

    public init(field: String, from: String?, to: String?) {
        self.field = field
        self.from = from
        self.to = to
    }

    /// What stands for a secret value.
    public static let redacted = "(redacted)"
    /// Longer values are cut to their first `keptCharacters` (prompts may be 64 KiB).
    public static let maxCharacters = 160
    static let keptCharacters = 120

    /// `text` as the audit stores it: whole when short, else its start and its size.
    public static func compact(_ text: String) -> String {
        guard text.count > maxCharacters else { return text }
        return "\(text.prefix(keptCharacters))… (\(text.utf8.count) bytes)"
    }
}
