import Foundation
import KJobCore
import KJobRelay
import KJobSandbox
import KJobStore
import KJobTestSupport
import Logging
import PostgresNIO
import Testing

@testable import KJobDaemon

struct RunRow: Sendable {
    var id: UUID
    var status: String
    var attempt: Int
    var exitCode: Int?
    var reason: String?
    var latency: Double?
}

func runs(_ client: PostgresClient, _ db: TestDatabase, job: UUID) async throws -> [RunRow] {
    var rows: [RunRow] = []
    for try await (id, status, attempt, exitCode, reason, latency) in try await client.query(
        """
        SELECT id, status, attempt, exit_code, reason, EXTRACT(EPOCH FROM started_at - queued_at)::float8
          FROM \(unescaped: db.names.schema).job_runs WHERE job_id = \(job) ORDER BY attempt, queued_at
        """
    ).decode((UUID, String, Int, Int?, String?, Double?).self) {
        rows.append(RunRow(id: id, status: status, attempt: attempt, exitCode: exitCode, reason: reason, latency: latency))
    }
    return rows
}

/// An in-process executor (real sandbox children, real Postgres, real NOTIFY) active under epoch 1.
/// With `leaderWorkers`, it runs as the `executor` worker of a ``LeaderWorkService`` next to them.
struct ExecutorHarness: Sendable {
    let db: TestDatabase
    let client: PostgresClient
    let queue: RunQueue
    let root: String
    let logs: LogCapture

    static func with(
        pollInterval: Duration = .seconds(10), maxParallel: Int = 4, agents: [String: [String]] = [:],
        tune: @Sendable (inout RunExecutor.Configuration) -> Void = { _ in },
        leaderWorkers: [(name: String, run: LeaderWorkService.Worker)]? = nil,
        _ body: @Sendable (ExecutorHarness) async throws -> Void
    ) async throws {
        let db = try TestDatabase()
        let root = "/tmp/kjob-executor-test-\(UUID().uuidString.lowercased())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await db.withClient { client in
            try await client.query("UPDATE \(unescaped: db.names.schema).leader SET epoch = 1")
            var config = DaemonConfig()
            config.executor.workDir = "\(root)/work"
            config.executor.logDir = "\(root)/logs"
            config.executor.killGrace = .seconds(1)
            config.executor.maxParallel = maxParallel
            config.agents["sh"] = .init(command: ["/bin/sh", "-c", "{prompt}"])
            for (name, command) in agents { config.agents[name] = .init(command: command) }
            try config.validate()
            let logs = LogCapture()
            var logger = logs.logger(label: "kjob.executor.test")
            logger.logLevel = .warning
            let sandbox = SandboxExecutor(
                configuration: try config.sandboxConfiguration(daemonEnvironment: ["PATH": "/usr/bin:/bin", "KJOBD_SECRET": "x"]),
                agents: try config.agentRegistry(), logger: logger)
            var configuration = RunExecutor.Configuration()
            configuration.maxParallel = maxParallel
            configuration.killGrace = config.executor.killGrace
            configuration.pollInterval = pollInterval
            tune(&configuration)
            let queue = RunQueue(client: client, names: db.names, nodeID: "t", logger: logger)
            let wake = Observed<UInt64>(0)
            let cancels = Observed<UInt64>(0)
            let executor = RunExecutor(
                configuration: configuration, queue: queue,
                logs: RunLogStore(client: client, names: db.names, logger: logger),
                sandbox: sandbox, wake: wake, cancels: cancels, now: { Date() }, logger: logger)
            let listener = NotificationListener(url: db.url, channels: [db.names.runsChannel], applicationName: "kjob-test-listen", logger: logger)
            let harness = ExecutorHarness(db: db, client: client, queue: queue, root: root, logs: logs)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await listener.run { _, payload in
                        if payload.hasPrefix("cancel:") { cancels.update { $0 &+= 1 } }
                        wake.update { $0 &+= 1 }
                    }
                }
                if let leaderWorkers {
                    let leadership = Leadership()
                    leadership.promote(epoch: 1)
                    let worker: (name: String, run: LeaderWorkService.Worker) = ("executor", { try await executor.run(epoch: $0) })
                    let work = LeaderWorkService(leadership: leadership, workers: [worker] + leaderWorkers, logger: logger)
                    group.addTask { await work.loop() }
                } else {
                    group.addTask { try await executor.run(epoch: 1) }
                }
                defer { group.cancelAll() }
                try await body(harness)
            }
        }
    }

    /// Waits (bounded) until `run` is in one of `statuses`.
    func waitFor(_ run: UUID, _ statuses: Set<String>, timeout: Duration = .seconds(30)) async throws -> String {
        var last: String?
        let reached = try await poll(timeout: timeout, interval: .milliseconds(20)) {
            last = try await runStatus(run)
            return last.map(statuses.contains) ?? false
        }
        try #require(reached != nil, "run \(run) stayed \(last ?? "absent"), expected \(statuses.sorted())")
        return last!
    }

    func runStatus(_ run: UUID) async throws -> String? {
        try await client.scalar("SELECT status FROM \(unescaped: db.names.schema).job_runs WHERE id = \(run)", as: String.self)
    }
}

@Suite("Run executor (sandbox children, Postgres)", .enabled(if: TestDatabase.available))
struct RunExecutorTests {
    /// The claim poll is 600 s, so only the `<schema>_runs` NOTIFY can start these runs within
    /// `waitFor`'s bound (the latency figures are make bench's).
    @Test func runNowIsStartedByNotifyNotByThePoll() async throws {
        try await ExecutorHarness.with(pollInterval: .seconds(600)) { h in
            let job = try await h.db.createJob(h.client, slug: "quick", script: "true")
            let warm = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            #expect(try await h.waitFor(warm, ["succeeded"], timeout: .seconds(20)) == "succeeded")
            for _ in 0..<10 {
                let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
                #expect(
                    try await h.waitFor(run, ["succeeded", "failed"], timeout: .seconds(60)) == "succeeded",
                    "run-now must start on NOTIFY, well before the 10 min poll")
            }
        }
    }

    @Test func runNowStartsOnNotifyAndLogsAreReadableFromPostgres() async throws {
        try await ExecutorHarness.with(pollInterval: .seconds(600)) { h in
            let script = #"printf 'hello\n'; printf '\377\376raw\n'; echo oops >&2; echo "$KJOB_JOB $KJOB_ATTEMPT $KJOB_EPOCH $KJOB_RUN_ID""#
            let job = try await h.db.createJob(h.client, slug: "now", script: script)
            // The first run also proves the listener is connected; the poll (10 min) cannot be what starts it.
            let warm = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            #expect(try await h.waitFor(warm, ["succeeded"], timeout: .seconds(20)) == "succeeded")
            let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            #expect(
                try await h.waitFor(run, ["succeeded", "failed"], timeout: .seconds(60)) == "succeeded",
                "run-now must start on NOTIFY, not the 10 min poll")

            let store = RunLogStore(client: h.client, names: h.db.names, logger: h.db.logger)
            let chunks = try await store.chunks(runID: run)
            let stdout = chunks.filter { $0.stream == "stdout" }.flatMap(\.data)
            let expected = Array("hello\n".utf8) + [0xFF, 0xFE] + Array("raw\nnow 1 1 \(run.uuidString.lowercased())\n".utf8)
            #expect(stdout == expected)
            #expect(chunks.filter { $0.stream == "stderr" }.flatMap(\.data) == Array("oops\n".utf8))
            #expect(chunks.map(\.seq) == Array(0..<chunks.count), "chunks contiguous from 0")
            let logBytes = try await h.client.scalar("SELECT log_bytes FROM \(unescaped: h.db.names.schema).job_runs WHERE id = \(run)", as: Int64.self)
            #expect(logBytes == Int64(expected.count + 5))
            #expect(FileManager.default.fileExists(atPath: "\(h.root)/logs/now/\(run.uuidString.lowercased()).log"))
        }
    }

    @Test func failingJobIsRetriedAsAttemptTwoAfterBackoff() async throws {
        try await ExecutorHarness.with(pollInterval: .milliseconds(200)) { h in
            let job = try await h.db.createJob(
                h.client, slug: "flaky", script: #"echo "attempt $KJOB_ATTEMPT"; exit 3"#,
                spec: ["retries": ["max": 1, "initial": "300ms", "max_delay": "1s"]],
                targets: [("alerts", ["failure"])])
            let first = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            #expect(try await h.waitFor(first, ["failed"]) == "failed")
            let done = try await poll(timeout: .seconds(30)) {
                try await runs(h.client, h.db, job: job).count { $0.status == "failed" } == 2
            }
            let rows = try await runs(h.client, h.db, job: job)
            try #require(done != nil, "attempt 2 never failed: \(rows)")
            #expect(rows.map(\.attempt) == [1, 2])
            #expect(rows.map(\.exitCode) == [3, 3])
            let chunks = try await RunLogStore(client: h.client, names: h.db.names, logger: h.db.logger).chunks(runID: rows[1].id)
            #expect(String(decoding: chunks.flatMap(\.data), as: UTF8.self).contains("attempt 2"))
            let dispatches = try await h.client.scalar("SELECT count(*) FROM \(unescaped: h.db.names.schema).dispatches", as: Int64.self)
            #expect(dispatches == 1, "one dispatch for the fire's final outcome")
            // The outbox payload is what KJobRelay's client sends: it decodes as its DispatchPayload.
            let json = try #require(try await h.client.scalar("SELECT payload::text FROM \(unescaped: h.db.names.schema).dispatches", as: String.self))
            let payload = try DispatchPayload.decode(fromJSON: Data(json.utf8))
            #expect(payload.channel == "alerts")
            #expect(payload.message.status == .failed)
            #expect(payload.message.title == "[flaky] failed")
            #expect(payload.message.body.contains("attempt 2"))
            #expect(payload.run.id == rows[1].id.uuidString.lowercased())
            #expect(payload.run.attempt == 2)
            #expect(payload.run.exitCode == 3)
        }
    }

    @Test func runPastItsTimeoutIsTimedOut() async throws {
        try await ExecutorHarness.with { h in
            let job = try await h.db.createJob(h.client, slug: "slow", script: "echo start; sleep 60", spec: ["timeout": "1s"])
            let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            #expect(try await h.waitFor(run, ["timed_out", "failed", "succeeded"]) == "timed_out")
            let row = try #require(try await runs(h.client, h.db, job: job).first)
            #expect(row.reason?.contains("timeout") == true)
            #expect(try await runs(h.client, h.db, job: job).count == 1, "no retries configured")
        }
    }

    /// The poll is far off: the cancel NOTIFY alone must reach the executor.
    @Test func cancelRequestKillsTheRun() async throws {
        try await ExecutorHarness.with(pollInterval: .seconds(600)) { h in
            let job = try await h.db.createJob(h.client, slug: "cancel-me", script: "echo started; sleep 60")
            let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            _ = try await h.waitFor(run, ["running"])
            #expect(try await h.db.runs(h.client).cancel(id: run, tenant: nil, requestedBy: "test")?.run.status == "running")
            #expect(try await h.waitFor(run, ["cancelled", "failed", "succeeded", "lost"]) == "cancelled")
        }
    }

    @Test func replaceOverlapCancelsTheRunningRun() async throws {
        try await ExecutorHarness.with(pollInterval: .milliseconds(200)) { h in
            let job = try await h.db.createJob(h.client, slug: "replace", script: "sleep 60", spec: ["overlap": "replace"])
            let old = try await insertQueued(h, job: job, at: Date(timeIntervalSince1970: 1_900_000_000))
            _ = try await h.waitFor(old, ["running"])
            let new = try await insertQueued(h, job: job, at: Date(timeIntervalSince1970: 1_900_000_060))
            #expect(try await h.waitFor(old, ["cancelled", "failed", "succeeded", "lost"]) == "cancelled")
            #expect(try await h.waitFor(new, ["running"]) == "running")
            _ = try await h.db.runs(h.client).cancel(id: new, tenant: nil, requestedBy: "test")?.run.status
            _ = try await h.waitFor(new, ["cancelled"])
        }
    }

    func insertQueued(_ h: ExecutorHarness, job: UUID, at: Date) async throws -> UUID {
        let id = UUID()
        try await h.client.query(
            """
            INSERT INTO \(unescaped: h.db.names.schema).job_runs (id, job_id, scheduled_for, fire_key, status)
            VALUES (\(id), \(job), \(at), \(Materializer.fireKey(at)), 'queued')
            """)
        return id
    }
}
