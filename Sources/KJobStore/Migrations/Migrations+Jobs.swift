extension Migrations {
    /// Soft delete: a deleted job leaves listings and scheduling at once and frees its slug, while its
    /// runs, logs and pending dispatches stay readable by run id and deliverable.
    static let softDelete = Migration(
        version: 4, name: "job soft delete",
        statements: [
            "ALTER TABLE {schema}.jobs ADD COLUMN deleted_at timestamptz",
            "ALTER TABLE {schema}.jobs ADD COLUMN deleted_by text",
            "ALTER TABLE {schema}.jobs DROP CONSTRAINT jobs_tenant_slug_key",
            "CREATE UNIQUE INDEX jobs_live_slug ON {schema}.jobs (tenant, slug) WHERE deleted_at IS NULL"
        ])
}
