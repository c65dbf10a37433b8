import Foundation
import PostgresNIO

extension JobsRepository {
    /// Which jobs the console's list shows.
    public enum ConsoleState: String, Sendable, Hashable, CaseIterable {
        case all, enabled, paused
        /// The job's last run that reached an outcome (succeeded, failed, timed out, lost) did not succeed.
        case failing
    }

    /// A job as a row of the console's list.
    public struct ConsoleRow: Sendable, Hashable {
        public var id: UUID
        public var tenant: String
        public var slug: String
        public var schedule: String
        public var timezone: String
        public var enabled: Bool
        public var nextFireAt: Date?
        public var owner: String?
        public var pausedBy: String?
        public var unauthorizedAt: Date?
        /// The last runs, newest first (`consoleStrips` fills them).
        public var strip: [RunMark] = []
    }

    /// One run as a mark of a job's strip.
    public struct RunMark: Sendable, Hashable {
        public var status: String
        public var trigger: String
        public var attempt: Int
        /// When it was scheduled, RFC 3339 UTC to the second (as Postgres wrote it).
        public var scheduled: String
    }

    /// Statuses that are an outcome for `ConsoleState.failing` (skipped and cancelled runs say
    /// nothing about whether the job works).
    static let outcomeStatuses = ["succeeded", "failed", "timed_out", "lost"]

    /// One page of the console's list in (tenant, slug) order, keyset-paged like `page`: jobs of
    /// `tenant` (every tenant when nil) whose slug contains `search`, in `state`, after `after`;
    /// at most `limit`, and whether more follow. One query; `consoleStrips` adds the strips.
    public func consolePage(
        tenant: String?, search: String?, state: ConsoleState, after: JobPosition?,
        limit: Int
    ) async throws -> (jobs: [ConsoleRow], more: Bool) {
        let s = names.schema
        var bindings = PostgresBindings()
        var conditions = ["j.deleted_at IS NULL"]
        if let tenant {
            bindings.append(tenant)
            conditions.append("j.tenant = $\(bindings.count)")
        }
        if let search, !search.isEmpty {
            bindings.append(search)
            conditions.append("strpos(j.slug, $\(bindings.count)) > 0")
        }
        switch state {
        case .all: break
        case .enabled: conditions.append("j.enabled")
        case .paused: conditions.append("NOT j.enabled")
        case .failing:
            bindings.append(Self.outcomeStatuses)
            conditions.append(
                """
                (SELECT status FROM \(s).job_runs WHERE job_id = j.id AND status = ANY($\(bindings.count))
                  ORDER BY scheduled_for DESC, attempt DESC, queued_at DESC LIMIT 1) <> 'succeeded'
                """)
        }
        if let after {
            bindings.append(after.tenant)
            bindings.append(after.slug)
            conditions.append("(j.tenant, j.slug) > ($\(bindings.count - 1), $\(bindings.count))")
        }
        bindings.append(limit + 1)
        let sql = """
            SELECT j.id, j.tenant, j.slug, j.schedule, j.timezone, j.enabled, j.next_fire_at, j.owner, j.paused_by, j.unauthorized_at
              FROM \(s).jobs j
             WHERE \(conditions.joined(separator: " AND "))
             ORDER BY j.tenant, j.slug LIMIT $\(bindings.count)
            """
        var jobs: [ConsoleRow] = []
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        for try await (id, tenant, slug, schedule, timezone, enabled, next, owner, pausedBy, unauthorized) in rows.decode(
            (UUID, String, String, String, String, Bool, Date?, String?, String?, Date?).self)
        {
            jobs.append(
                ConsoleRow(
                    id: id, tenant: tenant, slug: slug, schedule: schedule, timezone: timezone, enabled: enabled,
                    nextFireAt: next, owner: owner, pausedBy: pausedBy, unauthorizedAt: unauthorized))
        }
        let more = jobs.count > limit
        if more { jobs.removeLast() }
        return (jobs, more)
    }

    /// The last `count` runs of each job, newest first, in one query: a lateral scan of
    /// `job_runs_by_job` per job, so a page costs its jobs' runs, not the table's. Postgres joins
    /// each job's marks into one text (`status trigger attempt time,...`): decoding a row per run
    /// cost far more than the query.
    public func consoleStrips(jobIDs: [UUID], count: Int) async throws -> [UUID: [RunMark]] {
        guard !jobIDs.isEmpty else { return [:] }
        var strips: [UUID: [RunMark]] = [:]
        let rows = try await client.query(
            """
            SELECT j.id, s.marks FROM unnest(\(jobIDs)::uuid[]) AS j(id)
             CROSS JOIN LATERAL (
               SELECT string_agg(r.status || ' ' || r.trigger || ' ' || r.attempt || ' '
                                 || to_char(r.scheduled_for AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                 ',' ORDER BY r.scheduled_for DESC, r.attempt DESC, r.queued_at DESC) AS marks
                 FROM (SELECT status, trigger, attempt, scheduled_for, queued_at FROM \(unescaped: names.schema).job_runs
                        WHERE job_id = j.id ORDER BY scheduled_for DESC, attempt DESC, queued_at DESC LIMIT \(count)) r) s
             WHERE s.marks IS NOT NULL
            """, logger: logger)
        for try await (job, marks) in rows.decode((UUID, String).self) {
            strips[job] = marks.split(separator: ",").compactMap { mark in
                let parts = mark.split(separator: " ")
                guard parts.count == 4, let attempt = Int(parts[2]) else { return nil }
                return RunMark(status: String(parts[0]), trigger: String(parts[1]), attempt: attempt, scheduled: String(parts[3]))
            }
        }
        return strips
    }
}
