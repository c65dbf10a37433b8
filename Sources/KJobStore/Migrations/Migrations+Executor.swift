extension Migrations {
    /// Cancel requests: the API (recording `cancel_requested_by`) or a `replace` overlap sets `cancel_requested_at`; the active
    /// hears it on `<schema>_runs` (payload `cancel:<id>`) and kills the run.
    static let cancelRequests = Migration(
        version: 2, name: "run cancel requests",
        statements: [
            "ALTER TABLE {schema}.job_runs ADD COLUMN cancel_requested_at timestamptz",
            "ALTER TABLE {schema}.job_runs ADD COLUMN cancel_requested_by text",
            """
            CREATE FUNCTION {schema}.notify_run_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify(TG_TABLE_SCHEMA || '_runs', 'cancel:' || NEW.id::text);
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER job_runs_notify_cancel AFTER UPDATE OF cancel_requested_at ON {schema}.job_runs
                FOR EACH ROW WHEN (OLD.cancel_requested_at IS NULL AND NEW.cancel_requested_at IS NOT NULL AND NEW.status = 'running')
                EXECUTE FUNCTION {schema}.notify_run_cancel()
            """
        ])
}
