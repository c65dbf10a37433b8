import Foundation
import Testing

@testable import KJobCore

/// `kjob cron` as a real child process (the binary `swift build` puts next to the test bundle),
/// plus the pure preview behind it.
@Suite struct CronCommandTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func kjobBinary() throws -> URL {
        var candidates: [URL] = []
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        candidates.append(exe.deletingLastPathComponent().appendingPathComponent("kjob"))
        if let root = ProcessInfo.processInfo.environment["KJOB_REPO_ROOT"] {
            candidates.append(URL(fileURLWithPath: root).appendingPathComponent(".build/debug/kjob"))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/kjob"))
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "kjob binary not found (run swift build first): \(candidates.map(\.path))")
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = try kjobBinary()
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        if exited.wait(timeout: .now() + 60) == .timedOut {
            process.terminate()
            Issue.record("kjob \(arguments) did not exit within 60 s")
        }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func printsTheDescriptionThenFiresWithTheZonesOffset() throws {
        let result = try Self.run(["cron", "0 1 * * *", "--timezone", "Europe/Lisbon", "--after", "2026-03-27T00:00:00Z", "--count", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout == """
                At 01:00
                2026-03-27T01:00:00Z
                2026-03-28T01:00:00Z
                2026-03-29T02:00:00+01:00
                2026-03-30T01:00:00+01:00

                """)
    }

    @Test func acceptsTheFieldsAsSeparateWords() throws {
        let result = try Self.run(["cron", "0", "9", "*", "*", "MON", "--after", "2026-06-01T09:00:00Z", "--count", "1"])
        #expect(result.status == 0)
        #expect(result.stdout == "At 09:00, only on Monday\n2026-06-08T09:00:00Z\n")
    }

    @Test func printsJSON() throws {
        let result = try Self.run(["cron", "@every 1h", "--after", "2026-06-01T10:30:00Z", "--count", "2", "--json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["description"] as? String == "Every 1h (aligned to the Unix epoch)")
        #expect(object["fires"] as? [String] == ["2026-06-01T11:00:00Z", "2026-06-01T12:00:00Z"])
        #expect(object["timezone"] as? String == "UTC")
    }

    @Test(arguments: [
        (["cron", "0 24 * * *"], "hour: value 24 is out of range; use 0-23"),
        (["cron", "0 0 30 2 *"], "day-of-month: no month"),
        (["cron", "* * * * FRI-MON"], "day-of-week: range \"FRI-MON\" runs backwards"),
        (["cron", "* * * *"], "expected 5 fields"),
        (["cron", "* * * * *", "--timezone", "Mars/Olympus"], "--timezone: unknown time zone \"Mars/Olympus\""),
        (["cron", "* * * * *", "--after", "yesterday"], "--after:"),
        (["cron", "* * * * *", "--count", "0"], "--count: 0 is out of range")
    ])
    func badInputExitsTwoNamingTheField(_ arguments: [String], _ message: String) throws {
        let result = try Self.run(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }

    @Test func previewIsPure() throws {
        let now = try RFC3339.parse("2026-06-01T00:00:00Z").date
        let preview = try SchedulePreview(expression: "@daily", timezone: "Asia/Kathmandu", after: nil, count: 2, now: now)
        #expect(preview.fires == ["2026-06-02T00:00:00+05:45", "2026-06-03T00:00:00+05:45"])  // now is 05:45 there
        #expect(preview.text == "At 00:00\n2026-06-02T00:00:00+05:45\n2026-06-03T00:00:00+05:45\n")
    }
}
