import Foundation
import KJobServer
import KJobTestSupport
import PostgresNIO
import Testing

/// A live API on 127.0.0.1 (port 0) over a private schema, and the built `kjob` binary to drive it.
struct CLIFixture: Sendable {
    let api: APIFixture
    let baseURL: String
    /// An empty HOME so no user config leaks in.
    let home: URL

    var db: TestDatabase { api.db }
    var client: PostgresClient { api.client }
    var tokens: [String: String] { api.tokens }

    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed]) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    }

    static func with(configure: (inout APIConfiguration) -> Void = { _ in }, _ body: @Sendable (CLIFixture) async throws -> Void) async throws {
        try await APIFixture.with(prefix: "cli", configure: configure) { api in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("kjob-cli-\(api.db.names.schema)")
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: home) }
            try await api.serve { baseURL in
                try await body(CLIFixture(api: api, baseURL: baseURL, home: home))
            }
        }
    }

    static func binary() throws -> URL {
        var candidates: [URL] = []
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        candidates.append(exe.deletingLastPathComponent().appendingPathComponent("kjob"))
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("kjob"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/kjob"))
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) && !$0.hasDirectoryPath },
            "kjob binary not found (run swift build first): \(candidates.map(\.path))")
    }

    /// Runs `kjob` with `arguments`; KJOB_SERVER is this server and KJOB_TOKEN the named token
    /// unless overridden. Waits without blocking a thread (the server runs in this process).
    func run(
        _ arguments: [String], token: String? = "admin", server: String? = nil, environment extra: [String: String] = [:],
        stdin: String? = nil
    ) async throws -> Result {
        let process = Process()
        process.executableURL = try extra["KJOB_TEST_EXECUTABLE"].map { URL(fileURLWithPath: $0) } ?? Self.binary()
        process.arguments = arguments
        var environment = ["PATH": "/usr/bin:/bin", "HOME": home.path, "KJOB_SERVER": server ?? baseURL]
        if let token { environment["KJOB_TOKEN"] = tokens[token] ?? token }
        environment.merge(extra) { $1 }
        process.environment = environment
        let id = UUID().uuidString
        let outURL = home.appendingPathComponent("\(id).out")
        let errURL = home.appendingPathComponent("\(id).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        if let stdin {
            let inURL = home.appendingPathComponent("\(id).in")
            _ = FileManager.default.createFile(atPath: inURL.path, contents: Data(stdin.utf8))
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let (exits, continuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
        try process.run()
        let status: Int32? = try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in exits { return status }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(90))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else {
            process.terminate()
            Issue.record("kjob \(arguments) did not exit within 90 s")
            return Result(status: -1, stdout: "", stderr: "timeout")
        }
        let result = Result(
            status: status, stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
        return result
    }

    func writeFile(_ name: String, _ text: String) throws -> String {
        let url = home.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func sql(_ query: PostgresQuery) async throws {
        try await api.sql(query)
    }
}
