extension Migrations {
    /// Cancel requests from the API: any node records one; the executor of the run acts on it.
    static let runCancelRequests = Migration(version: 2, name: "run cancel requests", statements: [
        "ALTER TABLE {schema}.job_runs ADD COLUMN cancel_requested_at timestamptz",
        "ALTER TABLE {schema}.job_runs ADD COLUMN cancel_requested_by text",
    ])
}
