import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// `kjob update SLUG --timeout 30m …`: changes some keys of a job (PATCH, a JSON merge patch).
struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change some of a job's keys; the others stay as they are.",
        discussion: """
            Sends the changes as a JSON merge patch (PATCH /v1/jobs/{slug}); the server validates the
            result like a new job. --unset KEY removes a key so its default applies (--unset timezone is
            back to UTC). --if-version N applies only while the job is at version N (kjob inspect shows
            it; the API's ETag): if someone changed it since, nothing changes and kjob exits 1.

            Examples:
              kjob update weekly-stack-audit --schedule "0 10 * * MON" --timezone Europe/Lisbon
              kjob update weekly-stack-audit --timeout 45m --if-version 7
              kjob update probe --unset retries --disabled
            """)

    @OptionGroup var client: ClientOptions
    @OptionGroup var job: JobSlugArgument

    @Option(help: "Cron expression or macro (see kjob cron).") var schedule: String?
    @Option(help: "IANA time zone.") var timezone: String?
    @Option(help: "What the agent is asked to do.") var prompt: String?
    @Option(help: "Per-attempt limit, e.g. 30m.") var timeout: String?
    @Option(help: "Agent name from kjobd's [agents.*].") var agent: String?
    @Option(help: "Free text.") var description: String?
    @Option(help: "skip, queue, allow or replace.") var overlap: String?
    enum State: String, EnumerableFlag {
        case enabled, disabled
        static func help(for value: State) -> ArgumentHelp? { value == .enabled ? "Enable the job." : "Disable the job (its fires are skipped)." }
    }
    @Flag var state: State?
    @Option(help: ArgumentHelp("Remove a job key so its default applies; repeat for several.", valueName: "key")) var unset: [String] = []
    @Option(name: .customLong("if-version"), help: "Apply only while the job is at this version.") var ifVersion: Int64?

    static let unsettable = ["timezone", "sandbox", "output", "retries", "timeout", "enabled", "overlap", "misfire", "env", "description"]

    func validate() throws {
        if let schedule {
            do { _ = try Schedule(parsing: schedule) } catch {
                throw ValidationError("--schedule: \(error.message) (in \"\(error.input)\")")
            }
        }
        if let timezone, TimeZone(identifier: timezone) == nil {
            throw ValidationError("--timezone: unknown time zone \"\(timezone)\"; use an IANA name such as Europe/Lisbon or UTC")
        }
        if let timeout {
            do { _ = try DurationText.parse(timeout) } catch { throw ValidationError("--timeout: \(error.reason)") }
        }
        if let overlap, OverlapPolicy(rawValue: overlap) == nil {
            throw ValidationError("--overlap must be one of \(OverlapPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for key in unset where !Self.unsettable.contains(key) {
            throw ValidationError(
                "--unset \(key): \(["slug", "prompt", "agent", "schedule"].contains(key) ? "a required key cannot be removed" : "not a job key"); keys with defaults: \(Self.unsettable.joined(separator: ", "))"
            )
        }
        if let ifVersion, ifVersion < 1 { throw ValidationError("--if-version must be at least 1") }
        if patch.isEmpty {
            throw ValidationError(
                "nothing to change: give --schedule, --timezone, --prompt, --timeout, --agent, --description, --overlap, --enabled/--disabled or --unset")
        }
    }

    /// The flags as a merge patch: values to set, `null` for keys to remove.
    var patch: [String: Any] {
        var object: [String: Any] = [:]
        for key in unset { object[key] = NSNull() }
        if let schedule { object["schedule"] = schedule }
        if let timezone { object["timezone"] = timezone }
        if let prompt { object["prompt"] = prompt }
        if let timeout { object["timeout"] = timeout }
        if let agent { object["agent"] = agent }
        if let description { object["description"] = description }
        if let overlap { object["overlap"] = overlap }
        if let state { object["enabled"] = state == .enabled }
        return object
    }

    func run() async throws {
        let body = try JSONSerialization.data(withJSONObject: patch, options: [.sortedKeys])
        let headers = ifVersion.map { [("If-Match", "\"\($0)\"")] } ?? []
        try await client.withClient { api in
            let response = try await api.send(
                .PATCH, "/v1/jobs/\(job.slug)", body: Array(body),
                contentType: "application/merge-patch+json", headers: headers)
            if client.json {
                Output.json(response.json ?? [String: Any]())
            } else {
                let view = try response.decode(JobView.self)
                Output.write("updated job \(view.slug) (tenant \(view.tenant)); version \(view.version.map(String.init) ?? "?")\n")
            }
        }
    }
}
