import Foundation
import KJobCore
import Testing

/// `FirePlan.due`: what the materializer writes for one due job.
@Suite("FirePlan")
struct FirePlanTests {
    static let now = Date(timeIntervalSince1970: 1_000_005)
    /// Every 10 s at multiples of 10 (like `@every 10s`).
    static func every10(_ after: Date) -> Date? {
        Date(timeIntervalSince1970: (after.timeIntervalSince1970 / 10).rounded(.down) * 10 + 10)
    }
    static func at(_ offset: Double) -> Date { now.addingTimeInterval(offset) }

    @Test func notDueIsNil() {
        #expect(
            FirePlan.due(
                first: Self.at(1), now: Self.now, misfire: .default, enabled: true, onTimeThreshold: .seconds(60),
                limit: 100, nextFire: Self.every10) == nil)
    }

    @Test func onTimeFireRunsAndTheScheduleContinues() throws {
        let plan = try #require(
            FirePlan.due(
                first: Self.at(-5), now: Self.now, misfire: .default, enabled: true,
                onTimeThreshold: .seconds(60), limit: 100, nextFire: Self.every10))
        #expect(plan.fires == [FirePlan.Fire(scheduledFor: Self.at(-5))])
        #expect(plan.nextFireAt == Self.at(5))
        #expect(plan.lastFireAt == Self.at(-5))
        #expect(!plan.isTruncated)
        #expect(plan.queuedCount == 1)
    }

    @Test func missedFiresFollowThePolicyOldestFirst() throws {
        // Fires at -95 ... -5; only -5 is within the 8 s threshold; under `latest` it supersedes the missed ones.
        let plan = try #require(
            FirePlan.due(
                first: Self.at(-95), now: Self.now, misfire: .default, enabled: true,
                onTimeThreshold: .seconds(8), limit: 100, nextFire: Self.every10))
        #expect(plan.fires.map(\.scheduledFor) == stride(from: -95.0, through: -5, by: 10).map(Self.at))
        #expect(plan.fires.dropLast().allSatisfy { $0.skipReason == .superseded })
        #expect(plan.fires.last == FirePlan.Fire(scheduledFor: Self.at(-5)))
        #expect(plan.queuedCount == 1)
        #expect(plan.nextFireAt == Self.at(5))
    }

    @Test func disabledJobSkipsEveryDueFire() throws {
        let plan = try #require(
            FirePlan.due(
                first: Self.at(-25), now: Self.now, misfire: .default, enabled: false,
                onTimeThreshold: .seconds(60), limit: 100, nextFire: Self.every10))
        #expect(plan.fires.map(\.skipReason) == [.disabled, .disabled, .disabled])
        #expect(plan.queuedCount == 0)
        #expect(plan.nextFireAt == Self.at(5))
    }

    @Test func unauthorizedOwnerSkipsEveryDueFireButADisabledJobStaysDisabled() throws {
        let plan = try #require(
            FirePlan.due(
                first: Self.at(-25), now: Self.now, misfire: .default, enabled: true, authorized: false,
                onTimeThreshold: .seconds(60), limit: 100, nextFire: Self.every10))
        #expect(plan.fires.map(\.skipReason) == [.unauthorized, .unauthorized, .unauthorized])
        #expect(plan.queuedCount == 0)
        #expect(plan.nextFireAt == Self.at(5), "the schedule goes on, so fires resume once the job is re-applied")
        let paused = try #require(
            FirePlan.due(
                first: Self.at(-25), now: Self.now, misfire: .default, enabled: false, authorized: false,
                onTimeThreshold: .seconds(60), limit: 100, nextFire: Self.every10))
        #expect(paused.fires.map(\.skipReason) == [.disabled, .disabled, .disabled])
    }

    @Test func truncatedEnumerationContinuesAfterNow() throws {
        let plan = try #require(
            FirePlan.due(
                first: Self.at(-995), now: Self.now, misfire: MisfirePolicy(mode: .all),
                enabled: true, onTimeThreshold: .seconds(1), limit: 4, nextFire: Self.every10))
        #expect(plan.isTruncated)
        #expect(plan.fires.map(\.scheduledFor) == [Self.at(-995), Self.at(-985), Self.at(-975), Self.at(-965)])
        #expect(plan.lastFireAt == Self.at(-965))
        #expect(plan.nextFireAt == Self.at(5))
    }

    @Test func aScheduleWithNoFurtherFireEnds() throws {
        let plan = try #require(
            FirePlan.due(
                first: Self.at(-1), now: Self.now, misfire: .default, enabled: true,
                onTimeThreshold: .seconds(60), limit: 100, nextFire: { _ in nil }))
        #expect(plan.fires == [FirePlan.Fire(scheduledFor: Self.at(-1))])
        #expect(plan.nextFireAt == nil)
    }
}
