/// One versioned schema change. `{schema}` in the SQL is replaced by the configured schema name.
public struct Migration: Sendable, Hashable {
    public var version: Int
    public var name: String
    /// Statements run in order inside the migration transaction.
    public var statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}
