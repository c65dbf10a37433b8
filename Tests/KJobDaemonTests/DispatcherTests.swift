import Foundation
import KJobCore
import KJobRelay
import KJobRelaySink
import KJobStore
import KJobTestSupport
import Logging
import PostgresNIO
import Testing

@testable import KJobDaemon

/// A finished run with one outbox row (payload as RunQueue writes it), inserted directly.
func insertFinishedRunWithDispatch(_ client: PostgresClient, _ db: TestDatabase, slug: String, channel: String = "ops") async throws -> (
    run: UUID, dispatch: UUID
) {
    let job = try await db.createJob(client, slug: slug, script: "true")
    let run = UUID()
    let dispatch = UUID()
    let now = Date()
    try await client.query(
        """
        INSERT INTO \(unescaped: db.names.schema).job_runs (id, job_id, scheduled_for, fire_key, manual, attempt, status, queued_at, started_at, finished_at)
        VALUES (\(run), \(job), \(now), \("manual:" + run.uuidString.lowercased()), true, 1, 'succeeded', now(), now(), now())
        """)
    let payload = DispatchPayload.make(
        channel: channel, job: slug, runID: run.uuidString.lowercased(), scheduledFor: now, attempt: 1, outcome: .succeeded, exitCode: 0,
        startedAt: now, finishedAt: now, stdout: "ok\n", publicURL: "")
    let json = String(decoding: try payload.jsonData(), as: UTF8.self)
    try await client.query(
        """
        INSERT INTO \(unescaped: db.names.schema).dispatches (id, run_id, channel, payload) VALUES (\(dispatch), \(run), \(channel), \(json)::jsonb)
        """)
    return (run, dispatch)
}

struct DispatchRow: Sendable {
    var status: String
    var attempts: Int
    var lastError: String?
    var lastHTTPStatus: Int?
    var deliveredAt: Date?
}

func dispatchRow(_ client: PostgresClient, _ db: TestDatabase, _ id: UUID) async throws -> DispatchRow? {
    var row: DispatchRow?
    for try await (status, attempts, lastError, httpStatus, deliveredAt) in try await client.query(
        """
        SELECT status, attempts, last_error, last_http_status, delivered_at FROM \(unescaped: db.names.schema).dispatches WHERE id = \(id)
        """
    ).decode((String, Int, String?, Int?, Date?).self) {
        row = DispatchRow(status: status, attempts: attempts, lastError: lastError, lastHTTPStatus: httpStatus, deliveredAt: deliveredAt)
    }
    return row
}

/// Waits (bounded) until the dispatch reaches `status`.
func waitForDispatch(
    _ client: PostgresClient, _ db: TestDatabase, _ id: UUID, _ status: String,
    timeout: Duration = .seconds(30)
) async throws -> DispatchRow {
    var last: DispatchRow?
    let reached = try await poll(timeout: timeout) {
        last = try await dispatchRow(client, db, id)
        return last?.status == status
    }
    try #require(reached != nil, "dispatch \(id) stayed \(last.map { "\($0)" } ?? "absent"), expected \(status)")
    return last!
}

/// A generated PKI and a serving in-process `kjob-relay-sink` over TLS on 127.0.0.1.
func withTLSSink<T: Sendable>(_ body: @Sendable (RelaySink, SinkCertificates.Files) async throws -> T) async throws -> T {
    let directory = NSTemporaryDirectory() + "kjob-dispatcher-tests-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let files = try SinkCertificates().generate(into: directory)
    return try await withSink(files.sinkConfiguration(token: true)) { sink in try await body(sink, files) }
}

/// Runs a dispatcher under `epoch` (woken by the dispatch NOTIFY; its poll is 30 s so that
/// prompt deliveries prove the wake-up) for the span of `body`.
func withDispatcher(
    _ client: PostgresClient, _ db: TestDatabase, relay: RelayConfiguration, epoch: Int64 = 1,
    policy: DeliveryPolicy = DeliveryPolicy(baseDelay: 0.05, maxDelay: 0.2),
    _ body: @Sendable () async throws -> Void
) async throws {
    var logger = Logger(label: "kjob.dispatcher.test")
    logger.logLevel = .warning
    var configuration = Dispatcher.Configuration()
    configuration.pollInterval = .seconds(30)
    configuration.policy = policy
    let wake = Observed<UInt64>(0)
    let dispatcher = Dispatcher(
        configuration: configuration, relay: relay,
        queue: DispatchOutbox(client: client, names: db.names, logger: logger),
        wake: wake, now: { Date() }, logger: logger)
    let listener = NotificationListener(url: db.url, channels: [db.names.dispatchesChannel], applicationName: "kjob-test-listen", logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await listener.run { _, _ in wake.update { $0 &+= 1 } } }
        group.addTask { try await dispatcher.run(epoch: epoch) }
        defer { group.cancelAll() }
        // Inserts made before the LISTEN would only be seen by the 30 s poll; the listener reports
        // once when its LISTENs are in effect.
        await wake.waitForChange(after: 0, until: .now + .seconds(15))
        try #require(wake.snapshot.version > 0, "the dispatch listener never connected")
        try await body()
    }
}

@Suite("Dispatcher (Postgres, kjob-relay-sink over TLS)", .enabled(if: TestDatabase.available))
struct DispatcherTests {
    @Test func finishedRunIsDeliveredOnce() async throws {
        try await withTLSSink { sink, files in
            try await ExecutorHarness.with(pollInterval: .seconds(1)) { h in
                try await withDispatcher(h.client, h.db, relay: files.clientConfiguration(port: sink.port, token: true)) {
                    let job = try await h.db.createJob(h.client, slug: "report", script: "echo all good", targets: [("ops", [])])
                    let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
                    #expect(try await h.waitFor(run, ["succeeded", "failed"]) == "succeeded")
                    let id = try #require(
                        try await h.client.scalar(
                            "SELECT id FROM \(unescaped: h.db.names.schema).dispatches WHERE run_id = \(run)", as: UUID.self))
                    let row = try await waitForDispatch(h.client, h.db, id, "delivered", timeout: .seconds(20))
                    #expect(row.attempts == 1)
                    #expect(row.lastHTTPStatus == 200)
                    #expect(row.deliveredAt != nil)
                    let records = await sink.records()
                    #expect(records.count == 1)
                    #expect(records.first?.idempotencyKey == id.uuidString.lowercased())
                    #expect(records.first?.authenticated == true)
                    #expect(records.first?.body.run.id == run.uuidString.lowercased())
                    #expect(records.first?.body.message.title == "[report] completed")
                    #expect(records.first?.body.message.body.contains("all good") == true)
                }
            }
        }
    }

    @Test func retriedThrough503sIsAcceptedOnce() async throws {
        try await withTLSSink { sink, files in
            let db = try TestDatabase(prefix: "d")
            try await db.withClient { client in
                try await client.query("UPDATE \(unescaped: db.names.schema).leader SET epoch = 1")
                try await sink.setFault(.status(503, count: 3))
                try await withDispatcher(client, db, relay: files.clientConfiguration(port: sink.port, token: true)) {
                    let (_, id) = try await insertFinishedRunWithDispatch(client, db, slug: "flaky")
                    let row = try await waitForDispatch(client, db, id, "delivered")
                    #expect(row.attempts == 4)
                    #expect(row.lastHTTPStatus == 200)
                    let stats = await sink.stats()
                    #expect(stats.faulted == 3)
                    #expect(stats.accepted == 1)
                    #expect(stats.duplicates == 0)
                    #expect(await sink.records().map(\.idempotencyKey) == [id.uuidString.lowercased()])
                }
            }
        }
    }

    @Test func badRequestFailsWithoutRetry() async throws {
        try await withTLSSink { sink, files in
            let db = try TestDatabase(prefix: "d")
            try await db.withClient { client in
                try await client.query("UPDATE \(unescaped: db.names.schema).leader SET epoch = 1")
                try await sink.setFault(.status(400))
                try await withDispatcher(client, db, relay: files.clientConfiguration(port: sink.port, token: true)) {
                    let (_, id) = try await insertFinishedRunWithDispatch(client, db, slug: "refused")
                    let row = try await waitForDispatch(client, db, id, "failed")
                    #expect(row.attempts == 1)
                    #expect(row.lastHTTPStatus == 400)
                    #expect(row.lastError?.contains("HTTP 400") == true)
                    #expect(row.deliveredAt == nil)
                    // A second dispatch proves the loop is still going; the failed one is not tried again.
                    try await sink.setFault(.none)
                    let (_, second) = try await insertFinishedRunWithDispatch(client, db, slug: "accepted")
                    _ = try await waitForDispatch(client, db, second, "delivered")
                    #expect(await sink.stats().faulted == 1)
                    #expect(try await dispatchRow(client, db, id)?.attempts == 1)
                }
            }
        }
    }

    @Test func emptyRelayURLDisablesDispatchAndBadFilesFailStartUp() async throws {
        var config = DaemonConfig()
        #expect(try await Daemon(config: config, logger: Logger(label: "test")).relayConfiguration() == nil)
        config.relay.url = "https://127.0.0.1:1/v1/dispatch"
        config.relay.caFile = "/nonexistent/ca.pem"
        do {
            _ = try await Daemon(config: config, logger: Logger(label: "test")).relayConfiguration()
            Issue.record("a missing relay.ca_file must fail start-up")
        } catch let error as DaemonConfigError {
            #expect(error.location == "relay.ca_file")
            #expect(error.description.contains("/nonexistent/ca.pem"))
        }
        config.relay.caFile = ""
        let relay = try #require(try await Daemon(config: config, logger: Logger(label: "test")).relayConfiguration())
        #expect(relay.url == config.relay.url)
        #expect(relay.maxAge == config.relay.maxAge)
    }

    @Test func staleEpochWriteBackIsRejected() async throws {
        let db = try TestDatabase(prefix: "d")
        try await db.withClient { client in
            try await client.query("UPDATE \(unescaped: db.names.schema).leader SET epoch = 1")
            let queue = DispatchOutbox(client: client, names: db.names, logger: db.logger)
            let (_, id) = try await insertFinishedRunWithDispatch(client, db, slug: "fenced")
            let claimed = try await queue.claimDue(epoch: 1, limit: 8, now: Date(), hold: .seconds(40))
            #expect(claimed.map(\.id) == [id])
            #expect(claimed.first?.attempts == 0)
            // A new active takes over while the attempt is in flight.
            try await client.query("UPDATE \(unescaped: db.names.schema).leader SET epoch = 2")
            await #expect(throws: StaleEpochError.self) {
                try await queue.record(id, DispatchOutcome(status: .delivered, lastHTTPStatus: 200, deliveredAt: Date()), epoch: 1)
            }
            await #expect(throws: StaleEpochError.self) {
                try await queue.claimDue(epoch: 1, limit: 8, now: Date().addingTimeInterval(3600), hold: .seconds(40))
            }
            let row = try #require(try await dispatchRow(client, db, id))
            #expect(row.status == "pending")
            #expect(row.attempts == 0)
            #expect(row.deliveredAt == nil)
            // The held row is not due again before the hold passes; the new epoch then takes it.
            #expect(try await queue.claimDue(epoch: 2, limit: 8, now: Date(), hold: .seconds(40)).isEmpty)
            #expect(try await queue.claimDue(epoch: 2, limit: 8, now: Date().addingTimeInterval(60), hold: .seconds(40)).map(\.id) == [id])
            #expect(try await queue.record(id, DispatchOutcome(status: .delivered, lastHTTPStatus: 200, deliveredAt: Date()), epoch: 2))
            #expect(try await dispatchRow(client, db, id)?.status == "delivered")
        }
    }
}
