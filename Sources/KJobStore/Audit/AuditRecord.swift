import Foundation
import KJobCore

/// A stored audit entry.
public struct AuditRecord: Sendable, Hashable {
    /// Increases with every entry; the listing's cursor.
    public var id: Int64
    /// The database clock when the entry was written.
    public var at: Date
    public var actor: String
    public var tenant: String?
    /// An ``AuditAction`` raw value (kept as text: entries outlive the code that wrote them).
    public var action: String
    public var job: String?
    public var run: UUID?
    public var note: String?
    public var changes: [FieldChange]
}
