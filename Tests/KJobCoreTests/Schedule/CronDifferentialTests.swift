import Foundation
import Testing

@testable import KJobCore

/// kjob against croniter 6.0.0 on generated expressions away from DST transitions
/// (scripts/cron_diff.py generates the cases and croniter's answers).
@Suite struct CronDifferentialTests {
    struct Case: Decodable {
        var expr: String
        var croniter: String
        var zone: String
        var start: Int64
        var fires: [Int64]
    }

    static let caseCount = 10_000

    @Test func agreesWithCroniterOnGeneratedCases() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let python = environment["KJOB_TEST_PYTHON"], let root = environment["KJOB_REPO_ROOT"] else {
            Issue.record("KJOB_TEST_PYTHON / KJOB_REPO_ROOT are unset: run via make test (scripts/test makes the croniter venv)")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["\(root)/scripts/cron_diff.py", "--cases", "\(Self.caseCount)", "--seed", "20261122"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "cron_diff.py failed: \(errorText)")

        let decoder = JSONDecoder()
        var cases = 0
        var mismatches: [String] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            let c = try decoder.decode(Case.self, from: Data(line))
            cases += 1
            let zone = try #require(TimeZone(identifier: c.zone))
            let schedule: Schedule
            do {
                schedule = try Schedule(parsing: c.expr)
            } catch {
                mismatches.append("\(c.expr) [croniter: \(c.croniter)]: kjob rejects it: \(error)")
                continue
            }
            let ours = schedule.fires(after: Date(timeIntervalSince1970: TimeInterval(c.start)), in: zone, count: c.fires.count)
                .map { Int64($0.timeIntervalSince1970) }
            if ours != c.fires {
                let show = { (xs: [Int64]) in xs.map { RFC3339.format(epochSeconds: $0, offsetSeconds: ZoneRules.for(zone).offset(at: $0)) } }
                mismatches.append("\(c.expr) [croniter: \(c.croniter)] in \(c.zone) after \(show([c.start])[0]): kjob \(show(ours)) croniter \(show(c.fires))")
            }
        }
        #expect(cases == Self.caseCount, "expected \(Self.caseCount) generated cases")
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases) cases disagree; first ones:\n\(mismatches.prefix(15).joined(separator: "\n"))")
    }
}
