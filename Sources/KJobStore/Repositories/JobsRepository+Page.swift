import Foundation
import PostgresNIO

extension JobsRepository {
    /// One page of a listing in (tenant, slug) order: jobs of `tenant` (every tenant when nil)
    /// after `after`, at most `limit`, and whether more follow. Keyset paging on the
    /// (tenant, slug) unique index: each page costs its own rows, not the ones before it.
    public func page(tenant: String?, after: JobPosition?, limit: Int) async throws -> (jobs: [JobSummary], more: Bool) {
        let s = names.schema
        var bindings = PostgresBindings()
        var conditions: [String] = []
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
        let sql = """
            SELECT j.id, j.tenant, j.slug, j.enabled, j.schedule, j.timezone, j.next_fire_at, j.last_fire_at,
                   j.created_at, j.updated_at, r.id, r.status, r.scheduled_for, r.started_at, r.finished_at
              FROM \(s).jobs j
              LEFT JOIN LATERAL (
                SELECT id, status, scheduled_for, started_at, finished_at FROM \(s).job_runs
                 WHERE job_id = j.id ORDER BY scheduled_for DESC, attempt DESC, queued_at DESC LIMIT 1) r ON true
            \(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
             ORDER BY j.tenant, j.slug LIMIT $\(bindings.count)
            """
        var jobs: [JobSummary] = []
        jobs.reserveCapacity(min(limit + 1, 1024))
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        for try await (id, tenant, slug, enabled, schedule, zone, next, last, created, updated, runID, status, scheduled, started, finished)
            in rows.decode((UUID, String, String, Bool, String, String, Date?, Date?, Date, Date, UUID?, String?, Date?, Date?, Date?).self) {
            var lastRun: JobSummary.LastRun?
            if let runID, let status, let scheduled {
                lastRun = .init(id: runID, status: status, scheduledFor: scheduled, startedAt: started, finishedAt: finished)
            }
            jobs.append(JobSummary(id: id, tenant: tenant, slug: slug, enabled: enabled, schedule: schedule, timezone: zone,
                                   nextFireAt: next, lastFireAt: last, createdAt: created, updatedAt: updated, lastRun: lastRun))
        }
        let more = jobs.count > limit
        if more { jobs.removeLast() }
        return (jobs, more)
    }
}
