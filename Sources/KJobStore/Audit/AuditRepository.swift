import Foundation
import KJobCore
import Logging
import PostgresNIO

/// Reads the audit log (newest first, keyset-paged on `id`) and applies its retention.
public struct AuditRepository: StoreRepository {
    public struct Filter: Sendable, Hashable {
        /// Only this tenant's entries; nil = every entry.
        public var tenant: String?
        public var job: String?
        /// Only entries by this actor (a token's name, `kjobd`, or the OS user of `kjobd token`).
        public var actor: String?
        public var action: AuditAction?
        /// Only entries at or after this time.
        public var since: Date?
        /// Only entries older than this id (the previous page's `next`).
        public var before: Int64?
        public var limit: Int = 100
        public init() {}
    }

    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    /// One page, newest first, and whether more follow.
    public func page(_ filter: Filter) async throws -> (entries: [AuditRecord], more: Bool) {
        var bindings = PostgresBindings()
        var conditions: [String] = []
        func add(_ condition: String, _ value: some PostgresDynamicTypeEncodable) {
            bindings.append(value)
            conditions.append(condition.replacingOccurrences(of: "$?", with: "$\(bindings.count)"))
        }
        if let tenant = filter.tenant { add("tenant = $?", tenant) }
        if let job = filter.job { add("job = $?", job) }
        if let actor = filter.actor { add("actor = $?", actor) }
        if let action = filter.action { add("action = $?", action.rawValue) }
        if let since = filter.since { add("at >= $?", since) }
        if let before = filter.before { add("id < $?", before) }
        bindings.append(filter.limit + 1)
        let sql = """
            SELECT id, at, actor, tenant, action, job, run, note, changes::text FROM \(names.schema).audit
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY id DESC LIMIT $\(bindings.count)
            """
        var entries: [AuditRecord] = []
        let decoder = JSONDecoder()
        for try await (id, at, actor, tenant, action, job, run, note, changes) in try await client.query(
            PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger
        ).decode((Int64, Date, String, String?, String, String?, UUID?, String?, String?).self) {
            let fields = changes.flatMap { try? decoder.decode([FieldChange].self, from: Data($0.utf8)) } ?? []
            entries.append(
                AuditRecord(
                    id: id, at: at, actor: actor, tenant: tenant, action: action, job: job, run: run,
                    note: note, changes: fields))
        }
        let more = entries.count > filter.limit
        if more { entries.removeLast() }
        return (entries, more)
    }

    /// Deletes up to `limit` entries written before `cutoff` (retention; fenced by the epoch).
    /// Returns how many; call again while it returns `limit`.
    public func prune(epoch: Int64, before cutoff: Date, limit: Int = 1000) async throws -> Int {
        let fencing = Fencing(client: client, names: names)
        let schema = names.schema
        let logger = self.logger
        return try await RunQueue.unwrapped {
            try await fencing.withFencedTransaction(epoch: epoch, operation: "audit retention", logger: logger) { connection in
                var count = 0
                for try await _ in try await connection.query(
                    """
                    DELETE FROM \(unescaped: schema).audit
                     WHERE id IN (SELECT id FROM \(unescaped: schema).audit WHERE at < \(cutoff) ORDER BY id LIMIT \(limit))
                    RETURNING id
                    """, logger: logger
                ).decode(Int64.self) {
                    count += 1
                }
                return count
            }
        }
    }
}
