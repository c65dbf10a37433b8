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
        #expect(
            decision.skipped == [
                Skip(scheduledFor: Self.ago(180), reason: .missed),
                Skip(scheduledFor: Self.ago(120), reason: .missed),
                Skip(scheduledFor: Self.ago(60), reason: .superseded),
                Skip(scheduledFor: Self.ago(50), reason: .superseded),
                Skip(scheduledFor: Self.ago(10), reason: .superseded)
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

    /// The plan the materializer writes for a job last fired at `lastFire` (`FirePlan.due`, a fire
    /// at most 5 s late being on time).
    static func due(_ policy: MisfirePolicy, lastFire: Date, every seconds: Double) throws -> FirePlan {
        let next = every(seconds)
        let first = try #require(next(lastFire))
        return try #require(
            FirePlan.due(
                first: first, now: now, misfire: policy, enabled: true, onTimeThreshold: .seconds(5),
                limit: 1000, nextFire: next))
    }

    static func skipped(_ plan: FirePlan) -> [Skip] {
        plan.fires.compactMap { fire in fire.skipReason.map { Skip(scheduledFor: fire.scheduledFor, reason: $0) } }
    }

    @Test func dueFiresAreEnumeratedAndDecided() throws {
        let plan = try Self.due(MisfirePolicy(mode: .latest, window: .seconds(3600)), lastFire: Self.ago(180), every: 600)
        // Fires at -170m … 0m every 10 minutes: 18 fires; -60m … -10m (6 fires) are missed within the
        // window, superseded by the on-time fire at 0m.
        #expect(plan.fires.count == 18)
        #expect(plan.fires.filter { $0.skipReason == nil }.map(\.scheduledFor) == [Self.now])
        let skipped = Self.skipped(plan)
        #expect(skipped.filter { $0.reason == .missed }.count == 11)
        #expect(skipped.filter { $0.reason == .superseded }.count == 6)
        #expect(skipped.first?.scheduledFor == Self.ago(170))
        #expect(!plan.isTruncated)
    }

    @Test func aFireExactlyAtTheWindowStartIsWithinIt() throws {
        // `now` is a whole hour; the hourly fire one hour ago sits exactly on the window's edge.
        let hourly = try Self.due(MisfirePolicy(mode: .all, window: .seconds(3600)), lastFire: Self.ago(120), every: 3600)
        #expect(hourly.fires == [FirePlan.Fire(scheduledFor: Self.ago(60)), FirePlan.Fire(scheduledFor: Self.now)])
        let edge = try Self.due(MisfirePolicy(mode: .all, window: .seconds(1800)), lastFire: Self.ago(90), every: 1800)
        #expect(
            edge.fires == [
                FirePlan.Fire(scheduledFor: Self.ago(60), skipReason: .missed),
                FirePlan.Fire(scheduledFor: Self.ago(30)), FirePlan.Fire(scheduledFor: Self.now)
            ])
    }
}
