extension Migrations {
    /// The audit log, job ownership and pause notes, token expiry, and each run's trigger (DESIGN §12).
    ///
    /// `audit` has no foreign keys: it outlives jobs, runs and tokens, and has its own retention.
    /// Rows are only ever inserted (a trigger refuses updates); retention deletes old ones.
    static let audit = Migration(
        version: 5, name: "audit, ownership, token expiry, run triggers",
        statements: [
            """
            CREATE TABLE {schema}.audit (
                id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at       timestamptz NOT NULL DEFAULT clock_timestamp(),
                actor    text NOT NULL,
                tenant   text,
                action   text NOT NULL,
                job      text,
                run      uuid,
                note     text,
                changes  jsonb
            )
            """,
            "CREATE INDEX audit_by_job ON {schema}.audit (job, id) WHERE job IS NOT NULL",
            "CREATE INDEX audit_at ON {schema}.audit (at)",
            """
            CREATE FUNCTION {schema}.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only';
            END $$
            """,
            "CREATE TRIGGER audit_append_only BEFORE UPDATE ON {schema}.audit FOR EACH ROW EXECUTE FUNCTION {schema}.audit_append_only()",
            "ALTER TABLE {schema}.jobs ADD COLUMN created_by text",
            "ALTER TABLE {schema}.jobs ADD COLUMN updated_by text",
            "ALTER TABLE {schema}.jobs ADD COLUMN owner text",
            "ALTER TABLE {schema}.jobs ADD COLUMN paused_by text",
            "ALTER TABLE {schema}.jobs ADD COLUMN paused_at timestamptz",
            "ALTER TABLE {schema}.jobs ADD COLUMN pause_note text",
            // Set while the owner does not cover the job: its audit entry is written once per lapse.
            "ALTER TABLE {schema}.jobs ADD COLUMN unauthorized_at timestamptz",
            "ALTER TABLE {schema}.api_tokens ADD COLUMN expires_at timestamptz",
            "ALTER TABLE {schema}.api_tokens ADD COLUMN revoked_by text",
            "ALTER TABLE {schema}.job_runs ADD COLUMN trigger text NOT NULL DEFAULT 'schedule' CHECK (trigger IN ('schedule','manual','retry','backfill'))",
            "ALTER TABLE {schema}.job_runs ADD COLUMN triggered_by text",
            "UPDATE {schema}.job_runs SET trigger = CASE WHEN attempt > 1 THEN 'retry' WHEN manual THEN 'manual' ELSE 'schedule' END WHERE attempt > 1 OR manual"
        ])
}
