import Foundation
import KJobCore
import Testing

@Suite("MissedFires")
struct MissedFiresTests {
    static let start = Date(timeIntervalSince1970: 0)
    static func at(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }
    static let everyTen: @Sendable (Date) -> Date? = { at(($0.timeIntervalSince1970 / 10).rounded(.down) * 10 + 10) }

    @Test func firesInAHalfOpenInterval() {
        let result = MissedFires.enumerate(after: Self.start, through: Self.at(50), limit: 100, nextFire: Self.everyTen)
        #expect(result.fires == [10, 20, 30, 40, 50].map(Self.at))
        #expect(!result.isTruncated)
    }

    @Test func earliestStopsAtTheLimit() {
        let result = MissedFires.enumerate(after: Self.start, through: Self.at(1000), limit: 3, nextFire: Self.everyTen)
        #expect(result.fires == [10, 20, 30].map(Self.at))
        #expect(result.isTruncated)
    }

    @Test func misbehavingSourcesStop() {
        let stuck = MissedFires.enumerate(after: Self.start, through: Self.at(100), limit: 10) { _ in Self.at(5) }
        #expect(stuck.fires == [Self.at(5)])
        #expect(stuck.isTruncated)
        let backwards = MissedFires.enumerate(after: Self.at(50), through: Self.at(100), limit: 10) { _ in Self.at(1) }
        #expect(backwards.fires.isEmpty)
        let steps = MissedFires.enumerate(after: Self.start, through: Self.at(1_000_000), limit: 100, maxSteps: 50, nextFire: Self.everyTen)
        #expect(steps.isTruncated)
        #expect(steps.fires.count == 50)
    }

    @Test func emptyCases() {
        #expect(MissedFires.enumerate(after: Self.at(10), through: Self.at(10), limit: 5, nextFire: Self.everyTen).fires.isEmpty)
        #expect(MissedFires.enumerate(after: Self.start, through: Self.at(100), limit: 5) { _ in nil } == MissedFires(fires: [], isTruncated: false))
        #expect(MissedFires.enumerate(after: Self.start, through: Self.at(100), limit: 0, nextFire: Self.everyTen) == MissedFires(fires: [], isTruncated: true))
    }
}
