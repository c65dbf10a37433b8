import Foundation
import KJobTestSupport
import Testing

@testable import KJobCore

/// Random cron-like text never crashes: it is rejected with a message naming a field, or it
/// parses, is satisfiable and yields increasing fires.
@Suite struct ScheduleFuzzTests {
    @Test func randomExpressionsNeverCrash() throws {
        let pieces = [
            "*", "?", "/", "-", ",", "0", "1", "5", "7", "12", "23", "31", "59", "60", "L", "W", "#", "MON",
            "fri", "JAN", "dec", "x", "99999999999999999999", "@every", "@once", "1h", "0s", "2026-02-29T00:00:00Z"
        ]
        let plausible = ["*", "*", "*/5", "1-5", "0", "1", "L", "LW", "MON#2", "5L", "15W", "?", "JAN-MAR", "1,2,3", "30", "31", "7"]
        var rng = SeededRandom(seed: 42)
        let zone = TimeZone(identifier: "Australia/Lord_Howe")!
        var parsed = 0
        for _ in 0..<20_000 {
            let fieldCount = rng.next() % 4 == 0 ? Int(rng.next() % 7) + 1 : 5 + Int(rng.next() % 2)
            let fields = (0..<fieldCount).map { _ in
                rng.next() % 3 != 0
                    ? plausible[Int(rng.next() % UInt64(plausible.count))]
                    : (0..<(Int(rng.next() % 3) + 1)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            }
            let text = fields.joined(separator: " ")
            do {
                let schedule = try Schedule(parsing: text)
                parsed += 1
                let fires = schedule.fires(after: Date(timeIntervalSince1970: 1_780_000_000), in: zone, count: 3)
                if schedule.onceAt == nil { #expect(fires.count == 3, "\(text)") }
                #expect(zip(fires, fires.dropFirst()).allSatisfy { $0 < $1 }, "\(text)")
                _ = schedule.humanDescription
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
        #expect(parsed > 100, "the generator should also produce valid schedules")
    }
}
