extension Migrations {
    /// Web console sessions (issue #14). A session is a random id whose SHA-256 is stored here, so a
    /// session started on one node is valid on the other; it belongs to the API token that logged in
    /// and dies with it (revocation and expiry are checked on every request, deletion cascades).
    static let consoleSessions = Migration(
        version: 7, name: "console sessions",
        statements: [
            """
            CREATE TABLE {schema}.console_sessions (
                id_hash       bytea PRIMARY KEY,
                token_id      uuid NOT NULL REFERENCES {schema}.api_tokens (id) ON DELETE CASCADE,
                csrf          text NOT NULL,
                created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
                last_seen_at  timestamptz NOT NULL DEFAULT clock_timestamp()
            )
            """,
            "CREATE INDEX console_sessions_last_seen ON {schema}.console_sessions (last_seen_at)"
        ])
}

extension Migrations {
    /// Indexes for the console's overview, so it reads the same few index pages however many jobs,
    /// runs, dispatches and audit entries there are: runs of the last 24 h by status (index-only),
    /// failed and dead dispatches, the takeovers in the audit log, and each job's latest outcome
    /// (the job list's `failing` filter).
    static let consoleIndexes = Migration(
        version: 8, name: "console overview indexes",
        statements: [
            "CREATE INDEX job_runs_recent ON {schema}.job_runs (queued_at) INCLUDE (status)",
            "CREATE INDEX dispatches_undeliverable ON {schema}.dispatches (created_at) WHERE status IN ('failed', 'dead')",
            "CREATE INDEX audit_lease ON {schema}.audit (id) WHERE action = 'lease.acquire'",
            """
            CREATE INDEX job_runs_latest_outcome ON {schema}.job_runs (job_id, scheduled_for DESC, attempt DESC, queued_at DESC)
                INCLUDE (status)
            """
        ])
}
