import ArgumentParser
import Foundation
import KJobCore

/// `kjob cron EXPR`: describes a schedule and lists its next fires, offline.
struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "Describe a schedule and print its next fire times (works offline).",
        discussion: "Exits 2 when the expression, time zone or start time is invalid.")

    @Argument(
        help:
            "A cron expression (5 fields, or 6 with seconds first), a macro such as @daily, @every <duration> or @once <RFC 3339 time>. Quote it, or pass the fields as separate words."
    )
    var expression: [String]

    @Option(help: "IANA time zone the schedule runs in.")
    var timezone: String = "UTC"

    @Option(help: "List fires strictly after this RFC 3339 time (default: now).")
    var after: String?

    @Option(help: "How many fires to list (1-10000).")
    var count: Int = 5

    @Flag(help: "Print a JSON object with the description and the fires.")
    var json = false

    func run() async throws {
        do {
            let preview = try SchedulePreview(
                expression: expression.joined(separator: " "), timezone: timezone, after: after, count: count, now: Date())
            print(json ? preview.json : preview.text, terminator: "")
        } catch {
            FileHandle.standardError.write(Data("kjob cron: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
