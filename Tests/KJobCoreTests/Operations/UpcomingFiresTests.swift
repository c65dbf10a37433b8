import Foundation
import KJobCore
import Testing

@Suite("Upcoming fires across jobs")
struct UpcomingFiresTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    func source(_ expression: String, first: Date? = nil) throws -> UpcomingFires.Source {
        let schedule = try Schedule(parsing: expression)
        return UpcomingFires.Source(first: first ?? schedule.nextFire(after: Self.start, in: .gmt)!, schedule: schedule, zone: .gmt)
    }

    @Test("merged in time order with each job's later fires; ties in source order; the window bounds it")
    func order() throws {
        let sources = [try source("@every 20m"), try source("@every 30m"), try source("@hourly")]
        let end = Self.start.addingTimeInterval(7200)
        let (fires, truncated) = UpcomingFires.merge(sources, before: end, limit: 100)
        #expect(!truncated)
        // Brute force: every source's fires before the end, sorted.
        var expected: [UpcomingFires.Fire] = []
        for (index, source) in sources.enumerated() {
            var at = source.first
            while at < end {
                expected.append(UpcomingFires.Fire(source: index, at: at))
                at = source.schedule.nextFire(after: at, in: .gmt)!
            }
        }
        expected.sort { $0.at != $1.at ? $0.at < $1.at : $0.source < $1.source }
        #expect(fires == expected)
        #expect(fires.count == 5 + 3 + 1, "08:20-09:40, 08:30-09:30, 09:00")
    }

    @Test("limit: the earliest fires, and truncated when more are in the window")
    func limit() throws {
        let sources = [try source("@every 1s"), try source("@hourly")]
        let (fires, truncated) = UpcomingFires.merge(sources, before: Self.start.addingTimeInterval(86_400), limit: 10)
        #expect(truncated)
        #expect(fires.count == 10)
        #expect(fires.allSatisfy { $0.source == 0 })
        #expect(zip(fires, fires.dropFirst()).allSatisfy { $0.at < $1.at })
        let none = UpcomingFires.merge([try source("@once 2030-01-01T00:00:00Z")], before: Self.start.addingTimeInterval(60), limit: 10)
        #expect(none.fires.isEmpty && !none.truncated)
    }
}
