import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// `kjob create`: a new job from flags or a file; fails when the slug exists.
struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a job from flags or a job file (fails if the slug exists; see apply).",
        discussion: """
            Examples:
              kjob create --slug weekly-stack-audit --prompt "/k-housekeep" --schedule "0 9 * * MON" --agent kode
              kjob create --slug probe --prompt "curl -fsS localhost" --schedule "@every 5m" --agent shell --timeout 1m --retries 2
              kjob create -f job.toml
            """)

    @OptionGroup var client: ClientOptions

    @Option(name: [.short, .customLong("file")], help: "A job file (TOML [job] table, or JSON); - reads stdin.")
    var file: String?

    @Option(help: "Job name: ^[a-z0-9][a-z0-9-]{0,62}$.") var slug: String?
    @Option(help: "What the agent is asked to do.") var prompt: String?
    @Option(help: "Cron expression or macro (see kjob cron).") var schedule: String?
    @Option(help: "Agent name from kjobd's [agents.*].") var agent: String?
    @Option(help: "IANA time zone (default UTC).") var timezone: String?
    @Option(help: "Per-attempt limit, e.g. 30m.") var timeout: String?
    @Option(help: "Retries after a failed attempt (exponential backoff).") var retries: Int?
    @Option(help: "Relay channel for results; repeat for several.") var output: [String] = []
    @Option(help: "Sandbox backend: process, bwrap, docker:IMAGE or podman:IMAGE.") var sandbox: String?
    @Option(help: "skip, queue, allow or replace.") var overlap: String?
    @Option(help: "Free text.") var description: String?
    @Flag(help: "Create the job disabled.") var disabled = false

    func validate() throws {
        if file != nil {
            let flags: [Any?] = [slug, prompt, schedule, agent, timezone, timeout, retries, sandbox, overlap, description]
            if flags.contains(where: { $0 != nil }) || !output.isEmpty || disabled {
                throw ValidationError("give either -f FILE or the job flags, not both")
            }
        } else {
            for (name, value) in [("--slug", slug), ("--prompt", prompt), ("--schedule", schedule), ("--agent", agent)] where value == nil {
                throw ValidationError("missing \(name) (or use -f job.toml)")
            }
        }
    }

    /// The flags as the API's JSON job object.
    func flagsJSON() -> [String: Any] {
        var object: [String: Any] = ["slug": slug ?? "", "prompt": prompt ?? "", "schedule": schedule ?? "", "agent": agent ?? ""]
        if let timezone { object["timezone"] = timezone }
        if let timeout { object["timeout"] = timeout }
        if let retries { object["retries"] = ["max": retries] }
        if !output.isEmpty { object["output"] = output.map { ["channel": $0] } }
        if let sandbox {
            let parts = sandbox.split(separator: ":", maxSplits: 1).map(String.init)
            var box: [String: Any] = ["backend": parts.first ?? sandbox]
            if parts.count == 2 { box["image"] = parts[1] }
            object["sandbox"] = box
        }
        if let overlap { object["overlap"] = overlap }
        if let description { object["description"] = description }
        if disabled { object["enabled"] = false }
        return object
    }

    func run() async throws {
        let body: [UInt8]
        let contentType: String
        if let file {
            let job = try JobFile(path: file)
            body = job.bytes
            contentType = job.contentType
        } else {
            let data = try JSONSerialization.data(withJSONObject: flagsJSON(), options: [.sortedKeys])
            do {
                _ = try JobSpec(json: data)
            } catch {
                throw ValidationError(error.description.replacingOccurrences(of: "\n  - ", with: "\n  --"))
            }
            body = Array(data)
            contentType = "application/json"
        }
        try await client.withClient { api in
            let response = try await api.send(.POST, "/v1/jobs", body: body, contentType: contentType)
            if client.json {
                Output.json(response.json ?? [String: Any]())
            } else {
                let job = try response.decode(JobView.self)
                Output.write(
                    "created job \(job.slug) (tenant \(job.tenant)); next fire \(job.nextFireAt.map { RFC3339.format($0, in: TimeZone(identifier: job.timezone) ?? TimeZone(identifier: "UTC")!) } ?? "none")\n"
                )
            }
        }
    }
}
