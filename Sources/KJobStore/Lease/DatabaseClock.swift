import Foundation
import Synchronization

/// This node's clock as corrected by the offset to the database measured at each heartbeat.
///
/// offset = database time − midpoint(local send, local receive). The active schedules on
/// ``now()``; the nodes table shows the offset so `kjob status` can warn about skew.
public final class DatabaseClock: Sendable {
    private let state = Mutex<(offsetMilliseconds: Int64, measured: Bool)>((0, false))

    public init() {}

    /// Local wall time plus the last measured offset.
    public func now() -> Date {
        Date().addingTimeInterval(Double(offsetMilliseconds) / 1000)
    }

    public var offsetMilliseconds: Int64 { state.withLock { $0.offsetMilliseconds } }

    /// Nil until the first measurement.
    public var measuredOffsetMilliseconds: Int64? { state.withLock { $0.measured ? $0.offsetMilliseconds : nil } }

    /// Records one measurement from a query sent at `sent` and answered at `received` (local wall times).
    public func record(databaseTime: Date, sent: Date, received: Date) {
        let midpoint = sent.timeIntervalSince1970 + received.timeIntervalSince(sent) / 2
        let offset = Int64(((databaseTime.timeIntervalSince1970 - midpoint) * 1000).rounded())
        state.withLock { $0 = (offset, true) }
    }

    /// For tests: pretend the offset is this.
    public func set(offsetMilliseconds: Int64) {
        state.withLock { $0 = (offsetMilliseconds, true) }
    }
}
