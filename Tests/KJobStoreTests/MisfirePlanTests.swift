import Foundation
import KJobStore
import Testing

@Suite("MisfirePlan")
struct MisfirePlanTests {
    let now = Date(timeIntervalSince1970: 1_000)
    func fires(_ offsets: [Double]) -> [Date] { offsets.map { now.addingTimeInterval($0) } }

    @Test func onTimeFiresAlwaysRun() {
        for policy in MisfirePlan.Policy.allCases {
            let plan = MisfirePlan(policy: policy, window: .seconds(3600), threshold: .seconds(60))
            #expect(plan.outcomes(fires: fires([-30, -1]), now: now).allSatisfy { $0.skipReason == nil })
        }
    }

    @Test func latestSkipsMissedWhenAnOnTimeFireRuns() {
        let plan = MisfirePlan(policy: .latest, window: .seconds(3600), threshold: .seconds(10))
        let outcomes = plan.outcomes(fires: fires([-300, -200, -5]), now: now)
        #expect(outcomes.map(\.skipReason) == ["missed", "missed", nil])
    }

    @Test func allIsBoundedByTheCatchUpCap() {
        let plan = MisfirePlan(policy: .all, window: .seconds(3600), threshold: .seconds(1), maxCatchUpRuns: 2)
        let outcomes = plan.outcomes(fires: fires([-400, -300, -200, -100]), now: now)
        #expect(outcomes.map(\.skipReason) == ["missed", "missed", nil, nil])
    }

    @Test func disabledSkipsEverything() {
        let plan = MisfirePlan(policy: .all, window: .seconds(3600), threshold: .seconds(60))
        #expect(plan.outcomes(fires: fires([-1]), now: now, enabled: false).map(\.skipReason) == ["disabled"])
    }
}
