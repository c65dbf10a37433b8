import ArgumentParser
import Foundation
import KJobCore

/// Chains FIRES next-fire computations per expression (each from the previous fire, as the
/// scheduler does), ROUNDS times over the list. FILE has one "kjob expression<TAB>croniter
/// spelling" per line; only the first column is used.
struct CronBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cron", abstract: "Cron next-fire throughput.")

    @Argument(help: "Expressions file (scripts/bench_cron.tsv).") var file: String
    @Argument(help: "IANA zone.") var zone: String
    @Argument(help: "RFC 3339 start.") var start: String
    @Argument(help: "Fires chained per expression.") var fires: Int
    @Argument(help: "Rounds over the list.") var rounds: Int

    func run() throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("cannot read \(file)") }
        guard let zone = TimeZone(identifier: zone) else { throw ValidationError("unknown zone \(self.zone)") }
        guard let start = try? RFC3339.parse(start).date else { throw ValidationError("bad start \(self.start)") }
        var schedules: [Schedule] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let expression = line.split(separator: "\t").first else { continue }
            do { schedules.append(try Schedule(parsing: String(expression))) } catch { throw ValidationError("\(expression): \(error)") }
        }
        var checksum = 0.0
        var computed = 0
        _ = schedules.first?.nextFire(after: start, in: zone)  // builds the zone's transition table
        let elapsed = ContinuousClock().measure {
            for _ in 0..<rounds {
                for schedule in schedules {
                    var cursor = start
                    for _ in 0..<fires {
                        guard let next = schedule.nextFire(after: cursor, in: zone) else { break }
                        cursor = next
                        computed += 1
                    }
                    checksum += cursor.timeIntervalSince1970
                }
            }
        }
        let seconds = elapsed.timeInterval
        BenchJSON.print(["fires": computed, "seconds": seconds, "per_second": Double(computed) / seconds, "checksum": checksum])
    }
}
