import PostgresNIO

extension APIFixture {
    /// Inserts `count` jobs `PREFIX-0001`... of `tenant` straight into the table (no spec
    /// parsing, no API round trips): listings of thousands of jobs in a test's time budget.
    public func insertJobs(tenant: String, prefix: String = "job", count: Int, schedule: String = "0 9 * * MON") async throws {
        let table = "\(db.names.schema).jobs"
        try await sql(
            """
            INSERT INTO \(unescaped: table) (id, tenant, slug, spec, schedule, timezone, enabled, next_fire_at)
            SELECT gen_random_uuid(), \(tenant), \(prefix) || '-' || lpad(n::text, 4, '0'),
                   '[job]' || chr(10) || 'slug = "' || \(prefix) || '-' || lpad(n::text, 4, '0') || '"',
                   \(schedule), 'UTC', n % 7 <> 0, now() + n * interval '1 minute'
              FROM generate_series(1, \(count)) AS n
            """)
    }
}
