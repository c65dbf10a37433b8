import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// `kjob enable SLUG`.
struct EnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable", abstract: "Enable a job.",
        discussion: "Example:\n  kjob enable weekly-stack-audit")
    @OptionGroup var client: ClientOptions
    @OptionGroup var job: JobSlugArgument
    func run() async throws { try await setEnabled(client: client, slug: job.slug, action: "enable") }
}

/// `kjob disable SLUG [--note TEXT]`.
struct DisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Pause a job (who, when, why are recorded); its fires are recorded as skipped.",
        discussion: "Examples:\n  kjob disable weekly-stack-audit\n  kjob disable weekly-stack-audit --note \"waiting for the vendor fix\"")
    @OptionGroup var client: ClientOptions
    @OptionGroup var job: JobSlugArgument
    @Option(help: "Why the job is paused (at most 1 KiB); kjob inspect shows it.") var note: String?

    func validate() throws {
        if let note, let problem = PauseNote.problem(note) { throw ValidationError("--note: \(problem)") }
    }

    func run() async throws {
        var body: [UInt8]?
        if let note { body = Array(try JSONSerialization.data(withJSONObject: ["note": note])) }
        try await setEnabled(client: client, slug: job.slug, action: "disable", body: body)
    }
}

private func setEnabled(client: ClientOptions, slug: String, action: String, body: [UInt8]? = nil) async throws {
    try await client.withClient { api in
        let response = try await api.send(.POST, "/v1/jobs/\(slug)/\(action)", body: body)
        if client.json { Output.json(response.json ?? [String: Any]()) } else { Output.write("\(action)d job \(slug)\n") }
    }
}

/// `kjob delete SLUG [--purge]`.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a job (soft: kjob restore brings it back); --purge erases it with its runs and logs.",
        discussion: "Examples:\n  kjob delete weekly-stack-audit\n  kjob delete weekly-stack-audit --purge")
    @OptionGroup var client: ClientOptions
    @OptionGroup var job: JobSlugArgument
    @Flag(help: "Erase the job (or, when no live job has the slug, every deleted one) with its runs, logs and pending dispatches.")
    var purge = false
    func run() async throws {
        try await client.withClient { api in
            _ = try await api.send(.DELETE, "/v1/jobs/\(job.slug)", query: purge ? [("purge", "1")] : [])
            let verb = purge ? "purged" : "deleted"
            if client.json { Output.json([verb: job.slug]) } else { Output.write("\(verb) job \(job.slug)\n") }
        }
    }
}

/// `kjob restore SLUG`.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Bring back the most recently deleted job of a slug, if no live job has the slug.",
        discussion: "Example:\n  kjob restore weekly-stack-audit")
    @OptionGroup var client: ClientOptions
    @OptionGroup var job: JobSlugArgument
    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.POST, "/v1/jobs/\(job.slug)/restore")
            if client.json { Output.json(response.json ?? [String: Any]()) } else { Output.write("restored job \(job.slug)\n") }
        }
    }
}

/// `kjob cancel RUN-ID`.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a queued or running run.",
        discussion: "Example:\n  kjob cancel 0b6c1f9e-...")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Run id.") var run: String
    func validate() throws {
        guard UUID(uuidString: run) != nil else { throw ValidationError("run id \"\(run)\" is not a UUID") }
    }
    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.POST, "/v1/runs/\(run.lowercased())/cancel")
            if client.json {
                Output.json(response.json ?? [String: Any]())
            } else {
                let view = try response.decode(RunView.self)
                Output.write(response.status == 202 ? "cancel requested for run \(view.id) (running)\n" : "cancelled run \(view.id)\n")
            }
        }
    }
}
