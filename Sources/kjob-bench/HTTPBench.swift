import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// Options shared by the subcommands that talk to a node's API.
struct ServerOptions: ParsableArguments {
    @Option(help: "Node base URL, e.g. http://127.0.0.1:7070.") var server: String
    @Option(help: "Bearer token.") var token: String

    func withClient<T>(_ body: (APIClient) async throws -> T) async throws -> T {
        let client = try APIClient(settings: ClientSettings(servers: [server], token: token))
        do {
            let value = try await body(client)
            await client.shutdown()
            return value
        } catch {
            await client.shutdown()
            throw error
        }
    }
}

/// Latency of one GET over real HTTP, `--count` times in a row on one keep-alive client.
struct HTTPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "http", abstract: "GET latency over real HTTP.")

    @OptionGroup var server: ServerOptions
    @Option(help: "Path, e.g. /v1/jobs.") var path = "/v1/jobs"
    @Option(help: "Requests (after 3 warm-up requests).") var count = 100
    @Option(name: .customLong("header"), help: "An extra request header, NAME: VALUE (repeatable; e.g. the console's session cookie).")
    var headers: [String] = []

    func run() async throws {
        let clock = ContinuousClock()
        let extra = try headers.map { line -> (String, String) in
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw ValidationError("--header \"\(line)\" is not NAME: VALUE")
            }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let (times, bytes) = try await server.withClient { api in
            var times: [Double] = []
            var bytes = 0
            for index in 0..<(count + 3) {
                let began = clock.now
                let response = try await api.send(.GET, path, headers: extra)
                let elapsed = (clock.now - began).fractionalMilliseconds
                bytes = response.body.count
                if index >= 3 { times.append(elapsed) }
            }
            return (times, bytes)
        }
        BenchJSON.print(BenchStats(times).summary(unit: "ms").merging(["bytes": bytes]) { $1 })
    }
}

/// Applies `--count` jobs from a TOML template (`{slug}` and `{n}` substituted) with PUT
/// /v1/jobs/{slug}, `--parallel` requests in flight.
struct SeedJobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seed", abstract: "Apply many jobs from a template.")

    @OptionGroup var server: ServerOptions
    @Option(help: "TOML template file.") var template: String
    @Option(help: "Slug prefix; slugs are PREFIX-N.") var prefix = "bench"
    @Option(help: "First N.") var first = 0
    @Option(help: "Jobs to apply.") var count = 100
    @Option(help: "Requests in flight.") var parallel = 8

    func run() async throws {
        let text = try String(contentsOfFile: template, encoding: .utf8)
        let clock = ContinuousClock()
        let began = clock.now
        let (first, count, parallel, prefix) = (self.first, self.count, self.parallel, self.prefix)
        try await server.withClient { api in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in first..<(first + count) {
                    if n - first >= parallel { try await group.next() }
                    let slug = "\(prefix)-\(n)"
                    let body = text.replacingOccurrences(of: "{slug}", with: slug).replacingOccurrences(of: "{n}", with: "\(n)")
                    group.addTask {
                        _ = try await api.send(.PUT, "/v1/jobs/\(slug)", body: Array(body.utf8), contentType: "application/toml")
                    }
                }
                try await group.waitForAll()
            }
        }
        let seconds = (clock.now - began).timeInterval
        BenchJSON.print(["applied": count, "seconds": seconds, "per_second": Double(count) / seconds])
    }
}

/// run-now over real HTTP, `--count` times `--gap-ms` apart: prints per run its id and the wall
/// time (Unix seconds) just before the POST was sent, for the script to join with the child's
/// own exec timestamp.
struct RunNowBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run-now", abstract: "run-now send times.")

    @OptionGroup var server: ServerOptions
    @Option(help: "Job slug.") var slug: String
    @Option(help: "Runs.") var count = 50
    @Option(help: "Pause between runs, ms.") var gapMs = 300

    func run() async throws {
        let (slug, count, gap) = (self.slug, self.count, self.gapMs)
        let sent = try await server.withClient { api in
            var sent: [[String: Any]] = []
            for _ in 0..<count {
                let at = Date().timeIntervalSince1970
                let response = try await api.send(.POST, "/v1/jobs/\(slug)/run")
                let acknowledged = Date().timeIntervalSince1970
                guard let id = (response.json as? [String: Any])?["id"] as? String else {
                    throw ValidationError("run-now answered without an id: \(String(decoding: response.body.prefix(200), as: UTF8.self))")
                }
                sent.append(["id": id, "sent": at, "acknowledged": acknowledged])
                try await Task.sleep(for: .milliseconds(gap))
            }
            return sent
        }
        BenchJSON.print(["runs": sent])
    }
}
