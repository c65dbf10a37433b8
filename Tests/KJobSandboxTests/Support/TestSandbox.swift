import Foundation
import Logging
import Synchronization

@testable import KJobSandbox

#if canImport(Glibc)
    import Glibc
    import KJobCore
#endif

/// A scratch node: work and log directories under /tmp (searchable by the run user), an executor
/// with a `sh` agent whose prompt is the script.
struct TestSandbox {
    let root: String
    let executor: SandboxExecutor

    static let daemonEnvironment: [String: String] = [
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "TZ": "Europe/Lisbon",
        "HOME": "/root",
        "NOT_LISTED": "leak",
        "KJOBD_DATABASE_URL": "postgres://kjob:secret@db/kjob"
    ]

    init(
        maxLogBytes: Int64 = 10 << 20, killGrace: Duration = .seconds(1), keepWorkdir: SandboxConfiguration.KeepWorkdir = .never,
        useCgroups: Bool = true, bwrapPath: String = "bwrap", defaultLimits: ResourceLimits = .defaults,
        daemonEnvironment: [String: String] = Self.daemonEnvironment, agents extraAgents: [AgentDefinition] = [],
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        root = "/tmp/kjob-sandbox-test-\(UUID().uuidString.lowercased())"
        try? FileManager.default.createDirectory(
            atPath: root, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o711])
        let configuration = SandboxConfiguration(
            workRoot: "\(root)/work", logDir: "\(root)/logs", maxLogBytes: maxLogBytes, killGrace: killGrace,
            runAs: "kjob-run", environmentAllowList: RunEnvironment.defaultAllowList + ["KJOBD_DATABASE_URL"],
            keepWorkdir: keepWorkdir, useCgroups: useCgroups, defaultLimits: defaultLimits, bwrapPath: bwrapPath,
            daemonEnvironment: daemonEnvironment)
        let agents = AgentRegistry([try! AgentDefinition(name: "sh", command: ["/bin/sh", "-c", "{prompt}"])] + extraAgents)
        var logger = Logger(label: "kjob.sandbox.test")
        logger.logLevel = .warning
        executor = SandboxExecutor(configuration: configuration, agents: agents, logger: logger, now: now)
    }

    func request(
        _ script: String, runID: String = UUID().uuidString.lowercased(), sandbox: JobSpec.Sandbox = JobSpec.Sandbox(),
        env: [String: String] = [:], timeout: Duration = .seconds(60), limits: ResourceLimits = ResourceLimits(),
        sinks: [any RunLogSink] = [], agent: String = "sh"
    ) -> RunRequest {
        RunRequest(
            identity: RunIdentity(
                runID: runID, job: "test-job", scheduledFor: Date(timeIntervalSince1970: 1_800_000_000),
                attempt: 1, epoch: 42),
            agent: agent, prompt: script, sandbox: sandbox, environment: env, timeout: timeout, limits: limits,
            logSinks: sinks)
    }

    func cleanup() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Collects chunks in memory and tells waiters when one containing some text arrives.
actor CollectingSink: RunLogSink {
    private(set) var chunks: [LogChunk] = []
    private(set) var finished: LogSummary?
    private var waiters: [(String, CheckedContinuation<Void, Never>)] = []

    func append(_ chunk: LogChunk) async throws {
        chunks.append(chunk)
        let text = self.text(of: .stdout) + self.text(of: .stderr)
        waiters.removeAll { needle, continuation in
            guard text.contains(needle) else { return false }
            continuation.resume()
            return true
        }
    }

    func finish(_ summary: LogSummary) async throws { finished = summary }

    func bytes(of stream: LogStream) -> [UInt8] { chunks.filter { $0.stream == stream }.flatMap(\.bytes) }
    func text(of stream: LogStream) -> String { String(decoding: bytes(of: stream), as: UTF8.self) }

    /// Returns when output containing `needle` has arrived (the caller bounds the wait).
    func waitFor(_ needle: String) async {
        if (text(of: .stdout) + text(of: .stderr)).contains(needle) { return }
        await withCheckedContinuation { waiters.append((needle, $0)) }
    }
}

/// A sink whose store is down.
struct FailingSink: RunLogSink {
    struct Down: Error {}
    func append(_ chunk: LogChunk) async throws { throw Down() }
    func finish(_ summary: LogSummary) async throws { throw Down() }
}

/// Counts without keeping: for output volume tests.
actor CountingSink: RunLogSink {
    private(set) var bytes: Int64 = 0
    private(set) var systemNotes: [String] = []
    func append(_ chunk: LogChunk) async throws {
        if chunk.stream == .system { systemNotes.append(chunk.displayText) } else { bytes += Int64(chunk.bytes.count) }
    }
    func finish(_ summary: LogSummary) async throws {}
}

/// What this node offers; tests that need more are skipped (visibly), not failed.
enum Node {
    static let isRoot = geteuid() == 0
    /// kjobd can give each run its own cgroup here (root, cgroup v2 with cgroup.kill).
    static let hasRunCgroups: Bool = {
        let layout = CgroupLayout.parse(
            procSelfCgroup: (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "",
            mounts: (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? "")
        return RunCgroup.prepare(layout).unified != nil
    }()
    static let hasBwrap = SandboxExecutor.which("bwrap", path: TestSandbox.daemonEnvironment["PATH"]) != nil
}

enum Probe {
    /// Alive and not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return false }
        let state = text[text.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    static func parent(of pid: Int32) -> Int32? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return ProcSweep.parseStat(text)?.ppid
    }

    static func residentKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Parses `NAME=value` lines.
    static func environment(_ text: String) -> [String: String] {
        var env: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if pair.count == 2 { env[String(pair[0])] = String(pair[1]) }
        }
        return env
    }

    /// Runs `body` and fails if it takes longer than `limit` (a hang must not stall the suite).
    static func within<T: Sendable>(
        _ limit: Duration, _ what: String,
        _ body: @escaping @Sendable () async -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            guard let first = try await group.next(), let value = first else {
                group.cancelAll()
                throw TimedOut(what: what, limit: limit)
            }
            group.cancelAll()
            return value
        }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var limit: Duration
        var description: String { "\(what) did not happen within \(limit)" }
    }
}

/// A clock a test moves by hand.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}
