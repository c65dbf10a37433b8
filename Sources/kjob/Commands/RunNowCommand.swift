import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// `kjob run-now SLUG [--wait]`: queue a manual run; with --wait, exit with its outcome.
struct RunNowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-now",
        abstract: "Run a job now; with --wait, wait for it and exit 0 only if it succeeded.",
        discussion: """
            Exit codes with --wait: 0 succeeded, 1 failed, timed out, lost, cancelled or skipped.
            Examples:
              kjob run-now weekly-stack-audit
              kjob run-now probe --wait --wait-timeout 10m
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "Job slug.") var slug: String
    @Flag(help: "Wait for the run to end.") var wait = false
    @Option(name: .customLong("wait-timeout"), help: "Give up waiting after this long (exit 1).") var waitTimeout: String = "1h"

    func validate() throws {
        try checkSlug(slug)
        guard (try? DurationText.parse(waitTimeout)) != nil else {
            throw ValidationError("--wait-timeout \"\(waitTimeout)\" is not a duration such as 30s or 10m")
        }
    }

    func run() async throws {
        let limit = try DurationText.parse(waitTimeout)
        var outcome: Int32 = 0
        try await client.withClient { api in
            let response = try await api.send(.POST, "/v1/jobs/\(slug)/run")
            var run = try response.decode(RunView.self)
            var last = response
            if !client.json { Output.write("queued run \(run.id) of \(slug)\n") }
            if wait {
                let deadline = ContinuousClock.now.advanced(by: limit)
                var delay = Duration.milliseconds(100)
                while run.isActive {
                    guard ContinuousClock.now < deadline else {
                        throw ClientError.failure("run \(run.id) still \(run.status) after \(waitTimeout)")
                    }
                    try await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(2))
                    last = try await api.send(.GET, "/v1/runs/\(run.id)")
                    run = try last.decode(RunView.self)
                }
                outcome = run.status == "succeeded" ? 0 : 1
                if !client.json {
                    Output.write("run \(run.id) \(run.status)\(run.exitCode.map { " (exit \($0))" } ?? "")\(run.reason.map { ": \($0)" } ?? "")\n")
                }
            }
            if client.json { Output.json(last.json ?? [String: Any]()) }
        }
        if outcome != 0 { throw ExitCode(outcome) }
    }
}
