import Foundation

/// A time zone's UTC offsets as a sorted table of transitions, built once per zone from Foundation
/// and cached: looking an offset up is a binary search instead of a Foundation/ICU call.
///
/// The table covers 1900-2300; outside it the offset at the nearest edge applies.
public final class ZoneRules: Sendable {
    /// The IANA identifier (or Foundation's name for a fixed offset, e.g. `GMT+0100`).
    public let identifier: String
    /// Instants (Unix seconds) at which the offset changes, ascending.
    let transitions: [Int64]
    /// `offsets[k]` applies before `transitions[k]` and from `transitions[k-1]` on; one more than transitions.
    let offsets: [Int32]

    static let tableStart: Int64 = -2_208_988_800  // 1900-01-01T00:00:00Z
    static let tableEnd: Int64 = 10_413_792_000  // 2300-01-01T00:00:00Z

    /// A stretch of time with one offset, and its neighbours.
    struct Segment {
        /// The transition that starts it, nil when it extends to the table's start.
        var start: Int64?
        /// The offset before `start` (equal to `offset` when `start` is nil).
        var previousOffset: Int64
        var offset: Int64
        /// The transition that ends it, nil when it extends to the table's end.
        var end: Int64?
    }

    init(timeZone: TimeZone) {
        identifier = timeZone.identifier
        var cursor = Date(timeIntervalSince1970: TimeInterval(Self.tableStart))
        var transitions: [Int64] = []
        var offsets: [Int32] = [Int32(timeZone.secondsFromGMT(for: cursor))]
        while let next = timeZone.nextDaylightSavingTimeTransition(after: cursor),
            next.timeIntervalSince1970 < TimeInterval(Self.tableEnd), next > cursor
        {
            let offset = Int32(timeZone.secondsFromGMT(for: next))
            if offset != offsets[offsets.count - 1] {
                transitions.append(Int64(next.timeIntervalSince1970.rounded(.down)))
                offsets.append(offset)
            }
            cursor = next
        }
        self.transitions = transitions
        self.offsets = offsets
    }

    /// Number of transitions at or before `instant`.
    @inline(__always)
    func index(of instant: Int64) -> Int {
        var low = 0
        var high = transitions.count
        while low < high {
            let mid = (low + high) >> 1
            if transitions[mid] <= instant { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The UTC offset in seconds at `instant` (Unix seconds).
    public func offset(at instant: Int64) -> Int {
        Int(offsets[index(of: instant)])
    }

    @inline(__always)
    func segment(containing instant: Int64) -> Segment {
        let k = index(of: instant)
        let offset = Int64(offsets[k])
        return Segment(
            start: k > 0 ? transitions[k - 1] : nil,
            previousOffset: k > 0 ? Int64(offsets[k - 1]) : offset,
            offset: offset,
            end: k < transitions.count ? transitions[k] : nil)
    }

    private static let cache = Cache()

    /// The cached rules of `timeZone`, built on first use.
    public static func `for`(_ timeZone: TimeZone) -> ZoneRules {
        cache.rules(for: timeZone)
    }

    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var byIdentifier: [String: ZoneRules] = [:]

        func rules(for timeZone: TimeZone) -> ZoneRules {
            let identifier = timeZone.identifier
            lock.lock()
            if let rules = byIdentifier[identifier] {
                lock.unlock()
                return rules
            }
            lock.unlock()
            let rules = ZoneRules(timeZone: timeZone)
            lock.lock()
            defer { lock.unlock() }
            if let existing = byIdentifier[identifier] { return existing }
            byIdentifier[identifier] = rules
            return rules
        }
    }
}
