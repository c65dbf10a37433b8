import Foundation

/// A real `kjobd run` child process (no shell), configured by KJOBD_* variables.
public final class KJobdProcess: @unchecked Sendable {
    public let process = Process()
    public let logURL: URL
    public let node: String

    public static var binary: URL? {
        if let path = ProcessInfo.processInfo.environment["KJOBD_BIN"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("kjobd")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    public init(node: String, db: TestDatabase, extra: [String: String] = [:]) throws {
        guard let binary = Self.binary else { throw KJobdProcessError.noBinary }
        self.node = node
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("kjobd-\(db.names.schema)-\(node).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = binary
        process.arguments = ["run"]
        process.environment = Self.environment(node: node, db: db).merging(extra) { $1 }
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// The `KJOBD_*` settings every test node starts with (short lease timings); tests that need
    /// the node's own view of its config parse these with `DaemonConfig.parse(toml:environment:)`.
    public static func environment(node: String, db: TestDatabase) -> [String: String] {
        var environment = ["PATH": "/usr/bin:/bin", "KJOB_LOG_LEVEL": "info"]
        environment["KJOBD_NODE_ID"] = node
        environment["KJOBD_POSTGRES_URL"] = TestDatabase.urlText
        environment["KJOBD_POSTGRES_SCHEMA"] = db.names.schema
        environment["KJOBD_POSTGRES_LOCK_KEY"] = "\(db.lockKey)"
        environment["KJOBD_POSTGRES_POOL_SIZE"] = "2"
        environment["KJOBD_LEASE_HEARTBEAT"] = "250ms"
        environment["KJOBD_LEASE_TIMEOUT"] = "1500ms"
        environment["KJOBD_LEASE_SERVER_RELEASE"] = "3s"
        environment["KJOBD_LEASE_STANDBY_POLL"] = "300ms"
        environment["KJOBD_HTTP_LISTEN"] = "127.0.0.1:0"  // two nodes per test: no fixed API port
        environment["KJOBD_EXECUTOR_RUN_AS"] = "kjob-run"  // as deployed; a root kjobd refuses "" (scripts/ensure-deps creates the user)
        return environment
    }

    public var pid: Int32 { process.processIdentifier }
    public func signal(_ signal: Int32) { kill(pid, signal) }
    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits (bounded) for the process to exit; kills it if it does not.
    public func waitForExit(timeout: Duration) async -> Bool {
        let exited = (try? await poll(timeout: timeout, interval: .milliseconds(20)) { !self.process.isRunning }) ?? nil
        if exited == nil {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        return exited != nil
    }

    /// Stops a running process (thawing it first) with SIGTERM; waits, bounded, then SIGKILLs.
    public func stop(timeout: Duration) async -> Bool {
        guard process.isRunning else { return true }
        signal(SIGCONT)
        signal(SIGTERM)
        return await waitForExit(timeout: timeout)
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGCONT)
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

public enum KJobdProcessError: Error, CustomStringConvertible {
    case noBinary
    public var description: String { "kjobd binary not found next to the test bundle; run `swift build` first or set KJOBD_BIN" }
}
