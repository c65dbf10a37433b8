import Foundation
import PostgresNIO

extension JobsRepository {
    /// A live, enabled job with a pending fire, as `GET /v1/upcoming` merges them.
    public struct PendingFire: Sendable, Hashable {
        public var tenant: String
        public var slug: String
        public var schedule: String
        public var timezone: String
        public var nextFireAt: Date
    }

    /// The live, enabled jobs of `tenant` (every tenant when nil) whose pending fire is before
    /// `until`, earliest first, at most `limit`: the jobs the first `limit` fires before `until`
    /// can come from (every later fire of a job follows its pending one).
    public func pendingFires(tenant: String?, until: Date, limit: Int) async throws -> [PendingFire] {
        var bindings = PostgresBindings()
        bindings.append(until)
        var sql = """
            SELECT tenant, slug, schedule, timezone, next_fire_at FROM \(names.schema).jobs
             WHERE deleted_at IS NULL AND enabled AND next_fire_at IS NOT NULL AND next_fire_at < $1
            """
        if let tenant {
            bindings.append(tenant)
            sql += " AND tenant = $\(bindings.count)"
        }
        bindings.append(limit)
        sql += " ORDER BY next_fire_at, tenant, slug LIMIT $\(bindings.count)"
        var result: [PendingFire] = []
        for try await (tenant, slug, schedule, timezone, next) in try await client.query(
            PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger
        ).decode((String, String, String, String, Date).self) {
            result.append(PendingFire(tenant: tenant, slug: slug, schedule: schedule, timezone: timezone, nextFireAt: next))
        }
        return result
    }
}
