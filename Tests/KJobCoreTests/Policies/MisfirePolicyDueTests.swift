import Foundation
import KJobCore
import Testing

/// `decide(due:)`: the materializer's view, where fires within the on-time threshold always run.
@Suite("MisfirePolicy: due fires")
struct MisfirePolicyDueTests {
    static let now = Date(timeIntervalSince1970: 1_000)
    static func fires(_ offsets: [Double]) -> [Date] { offsets.map { now.addingTimeInterval($0) } }
    typealias Skip = MisfirePolicy.SkippedFire

    @Test(arguments: MisfirePolicy.Mode.allCases)
    func onTimeFiresAlwaysRun(mode: MisfirePolicy.Mode) {
        let decision = MisfirePolicy(mode: mode, window: .seconds(3600))
            .decide(due: Self.fires([-30, -1]), now: Self.now, onTimeThreshold: .seconds(60))
        #expect(decision.runs == Self.fires([-30, -1]))
        #expect(decision.skipped.isEmpty)
    }

    @Test func latestIsSupersededWhenAnOnTimeFireRuns() {
        let decision = MisfirePolicy(mode: .latest, window: .seconds(3600))
            .decide(due: Self.fires([-300, -200, -5]), now: Self.now, onTimeThreshold: .seconds(10))
        #expect(decision.runs == Self.fires([-5]))
        #expect(decision.skipped.map(\.reason) == [.superseded, .superseded])
    }

    @Test func latestRunsTheNewestMissedFireWhenNoneIsOnTime() {
        let decision = MisfirePolicy(mode: .latest, window: .seconds(3600))
            .decide(due: Self.fires([-300, -200]), now: Self.now, onTimeThreshold: .seconds(10))
        #expect(decision.runs == Self.fires([-200]))
        #expect(decision.skipped == [Skip(scheduledFor: Self.now.addingTimeInterval(-300), reason: .superseded)])
    }

    @Test func allIsBoundedByTheCatchUpCap() {
        let decision = MisfirePolicy(mode: .all, window: .seconds(3600), maxCatchUp: 2)
            .decide(due: Self.fires([-400, -300, -200, -100]), now: Self.now, onTimeThreshold: .seconds(1))
        #expect(decision.runs == Self.fires([-200, -100]))
        #expect(decision.skipped.map(\.reason) == [.catchUpLimit, .catchUpLimit])
    }

    @Test func missedFiresOutsideTheWindowAreSkippedMissed() {
        let decision = MisfirePolicy(mode: .all, window: .seconds(150))
            .decide(due: Self.fires([-400, -300, -100]), now: Self.now, onTimeThreshold: .seconds(1))
        #expect(decision.runs == Self.fires([-100]))
        #expect(decision.skipped.map(\.reason) == [.missed, .missed])
    }

    @Test func disabledSkipsEverything() {
        let decision = MisfirePolicy(mode: .all, window: .seconds(3600))
            .decide(due: Self.fires([-100, -1]), now: Self.now, onTimeThreshold: .seconds(60), enabled: false)
        #expect(decision.runs.isEmpty)
        #expect(decision.skipped.map(\.reason) == [.disabled, .disabled])
    }
}
