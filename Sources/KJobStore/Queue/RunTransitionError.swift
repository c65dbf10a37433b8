import Foundation
import KJobCore

/// A status change ``RunStatus/allowedTransitions`` forbids (e.g. finishing a run as `queued`): a
/// bug in the caller, refused before it reaches the database.
public struct RunTransitionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let runID: UUID
    public let from: RunStatus
    public let to: RunStatus

    public var description: String {
        let allowed = from.allowedTransitions.map(\.rawValue).sorted().joined(separator: ", ")
        return "run \(runID.uuidString.lowercased()) cannot move from \(from) to \(to); from \(from) it may move to: \(allowed)"
    }
}
