import Foundation
import KJobCore
import Testing

@Suite("Backfill plan")
struct BackfillPlanTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func date(_ text: String) -> Date { try! RFC3339.parse(text).date }

    @Test("fires in [from, to): from included, to excluded, oldest first, in the job's zone")
    func halfOpen() throws {
        let hourly = try Schedule(parsing: "0 * * * *")
        let plan = try BackfillPlan(
            schedule: hourly, in: .gmt, from: Self.date("2026-03-01T00:00:00Z"),
            to: Self.date("2026-03-01T05:00:00Z"), now: Self.now)
        #expect(plan.fires.map { RFC3339.formatUTCMilliseconds($0) } == (0..<5).map { "2026-03-01T0\($0):00:00.000Z" })
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        let daily = try Schedule(parsing: "0 9 * * *")
        let zoned = try BackfillPlan(
            schedule: daily, in: kolkata, from: Self.date("2026-03-01T00:00:00Z"),
            to: Self.date("2026-03-03T00:00:00Z"), now: Self.now)
        #expect(zoned.fires.map { RFC3339.formatUTCMilliseconds($0) } == ["2026-03-01T03:30:00.000Z", "2026-03-02T03:30:00.000Z"])
    }

    @Test("a reversed or empty range, a future end and a max out of bounds are refused, naming the field")
    func invalid() throws {
        let hourly = try Schedule(parsing: "@hourly")
        func refusal(_ from: String, _ to: String, max: Int = 100) -> BackfillPlan.Refusal? {
            do {
                _ = try BackfillPlan(schedule: hourly, in: .gmt, from: Self.date(from), to: Self.date(to), max: max, now: Self.now)
                return nil
            } catch {
                return error
            }
        }
        let reversed = refusal("2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z")
        #expect(reversed?.kind == .invalid && reversed?.field == "to" && reversed?.message.contains("reversed") == true)
        #expect(refusal("2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z")?.message.contains("empty") == true)
        #expect(refusal("2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z")?.message.contains("future") == true)
        #expect(refusal("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", max: 0)?.field == "max")
        #expect(refusal("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", max: 1001)?.field == "max")
    }

    @Test("more fires than max: refused whole with the count (a lower bound past the counting limit)")
    func overCap() throws {
        let minutely = try Schedule(parsing: "* * * * *")
        do {
            _ = try BackfillPlan(
                schedule: minutely, in: .gmt, from: Self.date("2026-03-01T00:00:00Z"),
                to: Self.date("2026-03-01T02:00:00Z"), max: 100, now: Self.now)
            Issue.record("120 fires passed a cap of 100")
        } catch {
            #expect(error.kind == .tooManyFires(count: 120, countIsLowerBound: false))
            #expect(error.message.contains("120 fires, more than max 100"))
        }
        let exact = try BackfillPlan(
            schedule: minutely, in: .gmt, from: Self.date("2026-03-01T00:00:00Z"),
            to: Self.date("2026-03-01T02:00:00Z"), max: 120, now: Self.now)
        #expect(exact.fires.count == 120)
        let everySecond = try Schedule(parsing: "@every 1s")
        do {
            _ = try BackfillPlan(
                schedule: everySecond, in: .gmt, from: Self.date("2026-01-01T00:00:00Z"),
                to: Self.date("2026-03-01T00:00:00Z"), max: 1000, now: Self.now)
            Issue.record("millions of fires passed")
        } catch {
            #expect(error.kind == .tooManyFires(count: BackfillPlan.countLimit, countIsLowerBound: true))
            #expect(error.message.contains("more than \(BackfillPlan.countLimit)"))
        }
    }
}
