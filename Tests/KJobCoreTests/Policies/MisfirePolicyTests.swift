import Foundation
import KJobCore
import Testing

@Suite("MisfirePolicy")
struct MisfirePolicyTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func ago(_ minutes: Double) -> Date { now.addingTimeInterval(-minutes * 60) }

    /// Fires 3h, 2h, exactly 1h (the window's edge), 50m and 10m ago, and one at `now`.
    static let missed = [ago(180), ago(120), ago(60), ago(50), ago(10), ago(0)]
    typealias Skip = MisfirePolicy.SkippedFire

    @Test func skipRunsNothing() {
        let decision = MisfirePolicy(mode: .skip, window: .seconds(3600)).decide(missed: Self.missed, now: Self.now)
        #expect(decision.runs.isEmpty)
        #expect(decision.skipped == Self.missed.map { Skip(scheduledFor: $0, reason: .missed) })
    }

    @Test func latestRunsTheNewestWithinTheWindow() {
        let decision = MisfirePolicy(mode: .latest, window: .seconds(3600)).decide(missed: Self.missed, now: Self.now)
        #expect(decision.runs == [Self.now])
        #expect(decision.skipped == [
            Skip(scheduledFor: Self.ago(180), reason: .missed),
            Skip(scheduledFor: Self.ago(120), reason: .missed),
            Skip(scheduledFor: Self.ago(60), reason: .superseded),
            Skip(scheduledFor: Self.ago(50), reason: .superseded),
            Skip(scheduledFor: Self.ago(10), reason: .superseded),
        ])
    }

    @Test func latestWithNothingInTheWindowRunsNothing() {
        let decision = MisfirePolicy(mode: .latest, window: .seconds(600)).decide(missed: [Self.ago(30), Self.ago(20)], now: Self.now)
        #expect(decision.runs.isEmpty)
        #expect(decision.skipped.map(\.reason) == [.missed, .missed])
    }

    @Test func allRunsEverythingWithinTheWindow() {
        let decision = MisfirePolicy(mode: .all, window: .seconds(3600)).decide(missed: Self.missed, now: Self.now)
        #expect(decision.runs == [Self.ago(60), Self.ago(50), Self.ago(10), Self.now])
        #expect(decision.skipped == [Skip(scheduledFor: Self.ago(180), reason: .missed), Skip(scheduledFor: Self.ago(120), reason: .missed)])
    }

    @Test func allIsBoundedAndKeepsTheNewest() {
        let decision = MisfirePolicy(mode: .all, window: .seconds(3600), maxCatchUp: 2).decide(missed: Self.missed, now: Self.now)
        #expect(decision.runs == [Self.ago(10), Self.now])
        #expect(decision.skipped.map(\.reason) == [.missed, .missed, .catchUpLimit, .catchUpLimit])
        let many = (0..<500).map { Self.ago(Double($0) / 10) }
        let bounded = MisfirePolicy(mode: .all, window: .seconds(3600)).decide(missed: many, now: Self.now)
        #expect(bounded.runs.count == 100)
        #expect(bounded.skipped.count == 400)
        #expect(bounded.runs == bounded.runs.sorted())
    }

    @Test func inputOrderDuplicatesAndFutureFiresDoNotMatter() {
        let policy = MisfirePolicy(mode: .all, window: .seconds(3600))
        let shuffled = [Self.ago(10), Self.ago(180), Self.ago(10), Self.now.addingTimeInterval(60), Self.ago(50)]
        let decision = policy.decide(missed: shuffled, now: Self.now)
        #expect(decision.runs == [Self.ago(50), Self.ago(10)])
        #expect(decision.skipped == [Skip(scheduledFor: Self.ago(180), reason: .missed)])
        #expect(policy.decide(missed: [], now: Self.now) == MisfirePolicy.Decision())
    }

    @Test func defaultIsLatestWithinAnHour() {
        #expect(MisfirePolicy.default == MisfirePolicy(mode: .latest, window: .seconds(3600), maxCatchUp: 100))
    }

    /// A fire every `seconds`, aligned to the epoch, like `@every`.
    static func every(_ seconds: Double) -> @Sendable (Date) -> Date? {
        { date in Date(timeIntervalSince1970: (date.timeIntervalSince1970 / seconds).rounded(.down) * seconds + seconds) }
    }

    @Test func planEnumeratesAndDecides() {
        let policy = MisfirePolicy(mode: .latest, window: .seconds(3600))
        let decision = policy.plan(after: Self.ago(180), now: Self.now, nextFire: Self.every(600))
        // Fires at -170m … 0m every 10 minutes: 18 fires; -60m … 0m (7 fires) are within the window.
        #expect(decision.runs == [Self.now])
        #expect(decision.skipped.count == 17)
        #expect(decision.skipped.filter { $0.reason == .missed }.count == 11)
        #expect(decision.skipped.filter { $0.reason == .superseded }.count == 6)
        #expect(decision.skipped.first?.scheduledFor == Self.ago(170))
        #expect(!decision.someFiresUnrecorded)
    }

    @Test func planIsBoundedOnHugeGaps() {
        // Every second, three days down: 259,200 fires; the work and the output stay bounded.
        let policy = MisfirePolicy(mode: .all, window: .seconds(3600))
        let decision = policy.plan(after: Self.ago(3 * 24 * 60), now: Self.now, recordLimit: 50, nextFire: Self.every(1))
        #expect(decision.someFiresUnrecorded)
        #expect(decision.runs.count == 100)
        #expect(decision.runs.last == Self.now)
        #expect(decision.skipped.count == 50)
        #expect(decision.skipped.allSatisfy { $0.reason == .missed })
        #expect(decision.skipped.first?.scheduledFor == Self.ago(3 * 24 * 60).addingTimeInterval(1))
    }

    @Test func planWithNoGapOrNoFires() {
        let policy = MisfirePolicy.default
        #expect(policy.plan(after: Self.now, now: Self.now, nextFire: Self.every(60)) == MisfirePolicy.Decision())
        #expect(policy.plan(after: Self.ago(600), now: Self.now, nextFire: { _ in nil }) == MisfirePolicy.Decision())
    }

    @Test func planIncludesAFireExactlyAtTheWindowStart() {
        // `now` is a whole hour; the hourly fire one hour ago sits exactly on the window's edge.
        let hourly = MisfirePolicy(mode: .all, window: .seconds(3600)).plan(after: Self.ago(120), now: Self.now, nextFire: Self.every(3600))
        #expect(hourly.runs == [Self.ago(60), Self.now])
        #expect(hourly.skipped.isEmpty)
        let edge = MisfirePolicy(mode: .all, window: .seconds(1800)).plan(after: Self.ago(90), now: Self.now, nextFire: Self.every(1800))
        #expect(edge.runs == [Self.ago(30), Self.now])
        #expect(edge.skipped == [Skip(scheduledFor: Self.ago(60), reason: .missed)])
    }
}
