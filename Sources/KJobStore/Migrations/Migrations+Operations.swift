extension Migrations {
    /// Operator controls (issue #13): a job version for conflict-checked updates, and backfill runs.
    ///
    /// `jobs.version` counts the changes made to a job (create = 1; apply, patch, enable, disable,
    /// delete and restore add one). A trigger bumps it, on the same condition that wakes the
    /// materializer: `updated_at`, `enabled` or `deleted_at` changed; the scheduler advancing
    /// `next_fire_at` does not count. `job_runs.backfill` marks the runs `kjob backfill` created:
    /// they run one at a time per job, oldest first, whatever the job's overlap policy; the partial
    /// index finds a job's earliest waiting one.
    static let operatorControls = Migration(
        version: 6, name: "job versions and backfill runs",
        statements: [
            "ALTER TABLE {schema}.jobs ADD COLUMN version bigint NOT NULL DEFAULT 1",
            """
            CREATE FUNCTION {schema}.bump_job_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.version := OLD.version + 1;
                RETURN NEW;
            END $$
            """,
            """
            CREATE TRIGGER jobs_bump_version BEFORE UPDATE ON {schema}.jobs
                FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at OR OLD.enabled IS DISTINCT FROM NEW.enabled
                                   OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
                EXECUTE FUNCTION {schema}.bump_job_version()
            """,
            "ALTER TABLE {schema}.job_runs ADD COLUMN backfill boolean NOT NULL DEFAULT false",
            "CREATE INDEX job_runs_backfill_waiting ON {schema}.job_runs (job_id, scheduled_for, attempt) WHERE backfill AND status = 'queued'"
        ])
}
