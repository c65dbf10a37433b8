import ArgumentParser
import Foundation
import KJobClient

/// `kjob logs RUN-ID [-f]`: a run's output; -f follows until the run ends.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a run's captured output; -f follows it until the run ends.",
        discussion: """
            Examples:
              kjob logs 0b6c1f9e-5f1e-4c43-9d0b-2d1f6f4d1a10
              kjob logs -f $(kjob run-now probe --json | jq -r .id)
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "Run id.") var run: String
    @Flag(name: [.short, .long], help: "Follow until the run ends.") var follow = false

    func validate() throws {
        guard UUID(uuidString: run) != nil else { throw ValidationError("run id \"\(run)\" is not a UUID") }
    }

    func run() async throws {
        try await client.withClient { api in
            let path = "/v1/runs/\(run.lowercased())/log"
            if follow {
                try await api.stream(path, query: [("follow", "1")]) { bytes in
                    FileHandle.standardOutput.write(Data(bytes))
                }
            } else {
                let response = try await api.send(.GET, path)
                if client.json {
                    Output.json(["run": run.lowercased(), "log": String(decoding: response.body, as: UTF8.self)])
                } else {
                    FileHandle.standardOutput.write(Data(response.body))
                }
            }
        }
    }
}
