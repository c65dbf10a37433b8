import KJobStore

enum PostgresURLProbe {
    static func parse(_ text: String) throws -> String { try PostgresURL(parsing: text).redacted }
}
