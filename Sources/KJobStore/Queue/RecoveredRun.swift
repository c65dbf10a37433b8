import Foundation
import KJobCore

/// A `running` run a recovery pass ended: `lost`, or `cancelled` when a cancel was requested.
public struct RecoveredRun: Sendable, Hashable {
    public var id: UUID
    public var status: RunStatus

    public init(id: UUID, status: RunStatus) {
        self.id = id
        self.status = status
    }
}
