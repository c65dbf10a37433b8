import Foundation
import PostgresNIO

extension JobsRepository {
    /// One page of a listing in (tenant, slug) order: jobs of `tenant` (every tenant when nil)
    /// after `after`, at most `limit`, and whether more follow. Keyset paging on the
    /// (tenant, slug) unique index of live jobs: each page costs its own rows, not the ones before it.
    ///
    /// Postgres writes each summary's JSON (`JobSummaryRow.json`): decoding a dozen typed
    /// columns a row and encoding them again was most of a page's cost on the node.
    public func page(tenant: String?, after: JobPosition?, limit: Int) async throws -> (jobs: [JobSummaryRow], more: Bool) {
        let s = names.schema
        var bindings = PostgresBindings()
        var conditions = ["j.deleted_at IS NULL"]
        if let tenant {
            bindings.append(tenant)
            conditions.append("j.tenant = $\(bindings.count)")
        }
        if let after {
            bindings.append(after.tenant)
            bindings.append(after.slug)
            conditions.append("(j.tenant, j.slug) > ($\(bindings.count - 1), $\(bindings.count))")
        }
        bindings.append(limit + 1)
        /// RFC 3339 UTC with milliseconds, as `RFC3339.formatUTCMilliseconds` writes (both floor
        /// the microseconds); NULL stays NULL (JSON null).
        func time(_ column: String) -> String {
            "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        }
        let sql = """
            SELECT j.tenant, j.slug, j.schedule, json_build_object(
                     'created_at', \(time("j.created_at")), 'enabled', j.enabled, 'id', j.id,
                     'last_fire_at', \(time("j.last_fire_at")), 'last_run', r.summary, 'next_fire_at', \(time("j.next_fire_at")),
                     'paused_at', \(time("j.paused_at")), 'paused_by', j.paused_by,
                     'schedule', j.schedule, 'slug', j.slug, 'tenant', j.tenant, 'timezone', j.timezone,
                     'updated_at', \(time("j.updated_at")))::text
              FROM \(s).jobs j
              LEFT JOIN LATERAL (
                SELECT json_build_object('finished_at', \(time("finished_at")), 'id', id, 'scheduled_for', \(time("scheduled_for")),
                                         'started_at', \(time("started_at")), 'status', status) AS summary
                  FROM \(s).job_runs WHERE job_id = j.id ORDER BY scheduled_for DESC, attempt DESC, queued_at DESC LIMIT 1) r ON true
             WHERE \(conditions.joined(separator: " AND "))
             ORDER BY j.tenant, j.slug LIMIT $\(bindings.count)
            """
        var jobs: [JobSummaryRow] = []
        jobs.reserveCapacity(min(limit + 1, 1024))
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        for try await (tenant, slug, schedule, json) in rows.decode((String, String, String, String).self) {
            jobs.append(JobSummaryRow(tenant: tenant, slug: slug, schedule: schedule, json: json))
        }
        let more = jobs.count > limit
        if more { jobs.removeLast() }
        return (jobs, more)
    }
}
