extension Migrations {
    /// Web console sessions (issue #14). A session is a random id whose SHA-256 is stored here, so a
    /// session started on one node is valid on the other; it belongs to the API token that logged in
    /// and dies with it (revocation and expiry are checked on every request, deletion cascades).
    static let consoleSessions = Migration(version: 7, name: "console sessions", statements: [
        """
        CREATE TABLE {schema}.console_sessions (
            id_hash       bytea PRIMARY KEY,
            token_id      uuid NOT NULL REFERENCES {schema}.api_tokens (id) ON DELETE CASCADE,
            csrf          text NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
            last_seen_at  timestamptz NOT NULL DEFAULT clock_timestamp()
        )
        """,
        "CREATE INDEX console_sessions_last_seen ON {schema}.console_sessions (last_seen_at)",
    ])
}
