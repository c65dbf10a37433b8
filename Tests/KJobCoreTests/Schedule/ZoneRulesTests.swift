import Foundation
import Testing

@testable import KJobCore

/// The cached transition table against Foundation's own answer.
@Suite struct ZoneRulesTests {
    @Test(arguments: [
        "America/New_York", "Europe/Lisbon", "Australia/Lord_Howe", "Europe/Moscow", "Asia/Kathmandu",
        "America/Sao_Paulo", "Pacific/Apia", "Africa/Casablanca", "UTC"
    ])
    func offsetsMatchFoundation(_ identifier: String) throws {
        let zone = try #require(TimeZone(identifier: identifier))
        let rules = ZoneRules.for(zone)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let instant = Int64.random(in: 0...4_102_444_800, using: &generator)  // 1970 .. 2100
            #expect(
                rules.offset(at: instant) == zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))),
                "\(identifier) at \(instant)")
        }
        for t in rules.transitions where t > 0 && t < 4_102_444_800 {
            #expect(rules.offset(at: t) == zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))))
            #expect(rules.offset(at: t - 1) == zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t - 1))))
        }
    }

    @Test func rulesAreCachedPerZone() {
        let zone = TimeZone(identifier: "Europe/Lisbon")!
        #expect(ZoneRules.for(zone) === ZoneRules.for(zone))
    }
}
