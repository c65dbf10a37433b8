import ArgumentParser
import Foundation
import KJobClient
import Synchronization

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
                // A stream also ends when its node shuts down (or after an hour): while the run is
                // still active, follow it again (on the other node if this one is gone), skipping
                // the output already printed; a run's log only ever grows.
                let progress = Mutex((printed: 0, received: 0))
                while true {
                    progress.withLock { $0.received = 0 }
                    try await api.stream(path, query: [("follow", "1")]) { bytes in
                        let skip = progress.withLock { progress -> Int in
                            let skip = min(max(progress.printed - progress.received, 0), bytes.count)
                            progress.received += bytes.count
                            progress.printed = max(progress.printed, progress.received)
                            return skip
                        }
                        if skip < bytes.count { FileHandle.standardOutput.write(Data(bytes[skip...])) }
                    }
                    guard try await api.send(.GET, "/v1/runs/\(run.lowercased())").decode(RunView.self).isActive else {
                        // It ended after the stream did: what it wrote in between is printed once.
                        let log = try await api.send(.GET, path).body
                        let printed = progress.withLock { $0.printed }
                        if log.count > printed { FileHandle.standardOutput.write(Data(log[printed...])) }
                        break
                    }
                    try await Task.sleep(for: .milliseconds(200))
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
