import Foundation
import KJobCore

// kjob-bench cron FILE ZONE START FIRES ROUNDS
// Chains FIRES next-fire computations per expression (each from the previous fire, as the
// scheduler does), ROUNDS times over the list; prints {"fires": n, "seconds": s, "per_second": r}.
// FILE has one "kjob expression<TAB>croniter spelling" per line; only the first column is used.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("kjob-bench: \(message)\n".utf8))
    exit(2)
}

let args = CommandLine.arguments
guard args.count == 7, args[1] == "cron", let fires = Int(args[5]), let rounds = Int(args[6]) else {
    fail("usage: kjob-bench cron FILE ZONE START FIRES ROUNDS")
}
guard let text = try? String(contentsOfFile: args[2], encoding: .utf8) else { fail("cannot read \(args[2])") }
guard let zone = TimeZone(identifier: args[3]) else { fail("unknown zone \(args[3])") }
guard let start = try? RFC3339.parse(args[4]).date else { fail("bad start \(args[4])") }
let schedules: [Schedule] = text.split(separator: "\n").compactMap { line in
    guard let expression = line.split(separator: "\t").first, !line.hasPrefix("#") else { return nil }
    do { return try Schedule(parsing: String(expression)) } catch { fail("\(error)") }
}

var checksum = 0.0
var computed = 0
_ = schedules.first?.nextFire(after: start, in: zone)  // builds the zone's transition table
let clock = ContinuousClock()
let elapsed = clock.measure {
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
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print("{\"fires\": \(computed), \"seconds\": \(seconds), \"per_second\": \(Double(computed) / seconds), \"checksum\": \(checksum)}")
