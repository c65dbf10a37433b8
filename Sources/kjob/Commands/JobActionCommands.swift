import ArgumentParser
import Foundation
import KJobClient

/// `kjob enable SLUG`.
struct EnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a job.",
                                                    discussion: "Example:\n  kjob enable weekly-stack-audit")
    @OptionGroup var client: ClientOptions
    @OptionGroup var job: JobSlugArgument
    func run() async throws { try await setEnabled(client: client, slug: job.slug, action: "enable") }
}

/// `kjob disable SLUG`.
struct DisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable a job; its fires are recorded as skipped.",
                                                    discussion: "Example:\n  kjob disable weekly-stack-audit")
    @OptionGroup var client: ClientOptions
    @OptionGroup var job: JobSlugArgument
    func run() async throws { try await setEnabled(client: client, slug: job.slug, action: "disable") }
}

private func setEnabled(client: ClientOptions, slug: String, action: String) async throws {
    try await client.withClient { api in
        let response = try await api.send(.POST, "/v1/jobs/\(slug)/\(action)")
        if client.json { Output.json(response.json ?? [String: Any]()) } else { Output.write("\(action)d job \(slug)\n") }
    }
}

/// `kjob delete SLUG`.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a job; its runs and logs stay readable by run id.",
                                                    discussion: "Example:\n  kjob delete weekly-stack-audit")
    @OptionGroup var client: ClientOptions
    @OptionGroup var job: JobSlugArgument
    func run() async throws {
        try await client.withClient { api in
            _ = try await api.send(.DELETE, "/v1/jobs/\(job.slug)")
            if client.json { Output.json(["deleted": job.slug]) } else { Output.write("deleted job \(job.slug)\n") }
        }
    }
}

/// `kjob cancel RUN-ID`.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a queued or running run.",
                                                    discussion: "Example:\n  kjob cancel 0b6c1f9e-...")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Run id.") var run: String
    func validate() throws {
        guard UUID(uuidString: run) != nil else { throw ValidationError("run id \"\(run)\" is not a UUID") }
    }
    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.POST, "/v1/runs/\(run.lowercased())/cancel")
            if client.json { Output.json(response.json ?? [String: Any]()) } else {
                let view = try response.decode(RunView.self)
                Output.write(response.status == 202 ? "cancel requested for run \(view.id) (running)\n" : "cancelled run \(view.id)\n")
            }
        }
    }
}
