import Foundation

/// A finish for a run that is no longer `running` under this node's epoch: another node marked
/// it `lost` after a takeover, or it was already finished. The result is dropped.
public struct RunNotRunningError: Error, Sendable, Hashable, CustomStringConvertible {
    public var runID: UUID
    public var epoch: Int64

    public init(runID: UUID, epoch: Int64) {
        self.runID = runID
        self.epoch = epoch
    }

    public var description: String {
        "run \(runID.uuidString.lowercased()) is not running under epoch \(epoch) (marked lost by a new active, or already finished); its result is not recorded"
    }
}
