import Foundation
import KJobCore
import KJobStore

/// `GET /v1/audit`: a page of entries, newest first, and the cursor of the next page (null on the last).
struct AuditListBody: Encodable {
    var entries: [AuditEntryBody]
    var next: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entries, forKey: .entries)
        try c.encode(next, forKey: .next)
    }

    enum CodingKeys: String, CodingKey { case entries, next }
}

/// One audit entry; `changes` lists `{field, from, to}` (null when absent) for updates.
struct AuditEntryBody: Encodable {
    var record: AuditRecord

    enum CodingKeys: String, CodingKey { case id, at, actor, tenant, action, job, run, note, changes }
    enum ChangeKeys: String, CodingKey { case field, from, to }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.id, forKey: .id)
        try c.encode(record.at, forKey: .at)
        try c.encode(record.actor, forKey: .actor)
        try c.encode(record.tenant, forKey: .tenant)
        try c.encode(record.action, forKey: .action)
        try c.encode(record.job, forKey: .job)
        try c.encode(record.run.map { $0.uuidString.lowercased() }, forKey: .run)
        try c.encode(record.note, forKey: .note)
        var changes = c.nestedUnkeyedContainer(forKey: .changes)
        for change in record.changes {
            var item = changes.nestedContainer(keyedBy: ChangeKeys.self)
            try item.encode(change.field, forKey: .field)
            try item.encode(change.from, forKey: .from)
            try item.encode(change.to, forKey: .to)
        }
    }
}
