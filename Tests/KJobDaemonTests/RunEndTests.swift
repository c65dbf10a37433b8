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

/// Issue #12, "a run always ends": hostile output, a finish that fails, a Postgres that does not
/// answer, and a leader worker that fails while a run is in flight.
@Suite("A run always ends (executor, Postgres, relay sink)", .enabled(if: TestDatabase.available))
struct RunEndTests {
    /// `printf 'a\000b'` with an output target once failed the outbox insert (`\u0000` in jsonb),
    /// rolled the finish back and left the run `running` for good. Invalid UTF-8 likewise.
    @Test(arguments: [#"printf 'a\000b\n'"#, #"printf 'a\377\300b\n'"#])
    func hostileStdoutWithAnOutputTargetSucceedsAndIsDelivered(script: String) async throws {
        try await withTLSSink { sink, files in
            try await ExecutorHarness.with(pollInterval: .seconds(1)) { h in
                try await withDispatcher(h.client, h.db, relay: files.clientConfiguration(port: sink.port, token: true)) {
                    let job = try await h.db.createJob(h.client, slug: "hostile", script: script, targets: [("ops", [])])
                    let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
                    #expect(try await h.waitFor(run, ["succeeded", "failed", "lost"]) == "succeeded")
                    let id = try #require(
                        try await h.client.scalar(
                            "SELECT id FROM \(unescaped: h.db.names.schema).dispatches WHERE run_id = \(run)", as: UUID.self))
                    _ = try await waitForDispatch(h.client, h.db, id, "delivered", timeout: .seconds(30))
                    let body = try #require(await sink.records().first?.body.message.body)
                    #expect(body.hasPrefix("a\u{FFFD}"), "NUL and invalid UTF-8 arrive as U+FFFD: \(body.debugDescription)")
                    #expect(body.contains("b"))
                    // The log keeps the raw bytes.
                    let chunks = try await RunLogStore(client: h.client, names: h.db.names, logger: h.db.logger).chunks(runID: run)
                    #expect(chunks.filter { $0.stream == "stdout" }.flatMap(\.data).contains { $0 == 0x00 || $0 == 0xFF })
                }
            }
        }
    }

    /// A transient error at finish (a serialization failure injected once by a trigger) is
    /// retried: the run ends with its real status instead of staying `running`.
    @Test func finishThatFailsOnceIsRetried() async throws {
        try await ExecutorHarness.with(pollInterval: .seconds(1)) { h in
            let schema = h.db.names.schema
            try await execute(
                h.client,
                [
                    "CREATE SEQUENCE \(schema).finish_failures",
                    """
                    CREATE FUNCTION \(schema).fail_first_finish() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        -- A sequence is not rolled back with the failed transaction: exactly one failure.
                        IF nextval('\(schema).finish_failures') = 1 THEN
                            RAISE EXCEPTION 'injected transient failure' USING ERRCODE = '40001';
                        END IF;
                        RETURN NEW;
                    END $$
                    """,
                    """
                    CREATE TRIGGER fail_first_finish BEFORE UPDATE ON \(schema).job_runs FOR EACH ROW
                        WHEN (OLD.status = 'running' AND NEW.status <> 'running') EXECUTE FUNCTION \(schema).fail_first_finish()
                    """
                ])
            let job = try await h.db.createJob(h.client, slug: "finish-once", script: "echo done")
            let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            #expect(try await h.waitFor(run, ["succeeded", "failed", "lost"]) == "succeeded")
            let attempts = try await h.client.scalar(PostgresQuery(unsafeSQL: "SELECT last_value FROM \(schema).finish_failures"), as: Int64.self)
            #expect(attempts == 2, "one failed attempt, one that committed")
            #expect(h.logs.contains("run result not recorded; retrying"))
        }
    }

    /// A log insert that fails once (injected by a trigger) keeps its batch for the next flush: the
    /// stored log is complete, not cut at the first transient error.
    @Test func logInsertThatFailsOnceLosesNoChunk() async throws {
        try await ExecutorHarness.with(pollInterval: .seconds(1)) { h in
            let schema = h.db.names.schema
            try await execute(
                h.client,
                [
                    "CREATE SEQUENCE \(schema).log_failures",
                    """
                    CREATE FUNCTION \(schema).fail_first_log_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF nextval('\(schema).log_failures') = 1 THEN
                            RAISE EXCEPTION 'injected transient failure' USING ERRCODE = '40001';
                        END IF;
                        RETURN NEW;
                    END $$
                    """,
                    """
                    CREATE TRIGGER fail_first_log_insert BEFORE INSERT ON \(schema).run_log_chunks
                        FOR EACH STATEMENT EXECUTE FUNCTION \(schema).fail_first_log_insert()
                    """
                ])
            let job = try await h.db.createJob(h.client, slug: "log-once", script: "for i in 1 2 3 4 5; do echo line $i; sleep 0.3; done")
            let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            #expect(try await h.waitFor(run, ["succeeded", "failed", "lost"]) == "succeeded")
            let failures = try await h.client.scalar(PostgresQuery(unsafeSQL: "SELECT last_value FROM \(schema).log_failures"), as: Int64.self)
            #expect((failures ?? 0) >= 2, "the first insert failed and a later one was made")
            let chunks = try await RunLogStore(client: h.client, names: h.db.names, logger: h.db.logger).chunks(runID: run)
            let text = String(decoding: chunks.filter { $0.stream == "stdout" }.flatMap(\.data), as: UTF8.self)
            #expect(text == (1...5).map { "line \($0)\n" }.joined(), "every line is stored: \(text.debugDescription)")
        }
    }

    /// A finish no retry can fix (a data exception on every attempt) is given up, and the
    /// executor's recovery pass ends the run instead of leaving it `running`.
    @Test func finishThatCannotBeWrittenIsEndedByTheRecoveryPass() async throws {
        try await ExecutorHarness.with(pollInterval: .milliseconds(200), tune: { $0.recoveryInterval = .milliseconds(500) }) { h in
            let schema = h.db.names.schema
            try await execute(
                h.client,
                [
                    """
                    CREATE FUNCTION \(schema).refuse_success() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        RAISE EXCEPTION 'injected permanent failure' USING ERRCODE = '22000';
                    END $$
                    """,
                    """
                    CREATE TRIGGER refuse_success BEFORE UPDATE ON \(schema).job_runs FOR EACH ROW
                        WHEN (OLD.status = 'running' AND NEW.status = 'succeeded') EXECUTE FUNCTION \(schema).refuse_success()
                    """
                ])
            let job = try await h.db.createJob(h.client, slug: "finish-never", script: "echo done")
            let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            #expect(try await h.waitFor(run, ["succeeded", "failed", "lost"]) == "lost")
            let reason = try await h.client.scalar("SELECT reason FROM \(unescaped: schema).job_runs WHERE id = \(run)", as: String.self)
            #expect(reason?.contains("could not be recorded") == true, "reason: \(reason ?? "-")")
            #expect(h.logs.contains("run result cannot be recorded"))
        }
    }

    /// The Postgres log sink's inserts wait on a lock held elsewhere (as with a frozen or
    /// blackholed server): each fails at the deadline, the sink is dropped, and the run ends. The
    /// deadline is 5 s, not less: it bounds the claims too, which a loaded box can slow past 2 s.
    @Test func logSinkWhosePostgresNeverAnswersStillLetsTheRunEnd() async throws {
        try await ExecutorHarness.with(pollInterval: .milliseconds(200), tune: { $0.databaseDeadline = .seconds(5) }) { h in
            let job = try await h.db.createJob(h.client, slug: "log-blocked", script: "echo one; sleep 0.3; echo two")
            let locker = try await h.db.connect()
            do {
                _ = try await locker.query("BEGIN", logger: h.db.logger)
                _ = try await locker.query("LOCK TABLE \(unescaped: h.db.names.schema).run_log_chunks IN ACCESS EXCLUSIVE MODE", logger: h.db.logger)
                let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
                // The lock is held for the whole wait: only the deadline can end the run's log inserts.
                #expect(try await h.waitFor(run, ["succeeded", "failed", "lost"], timeout: .seconds(90)) == "succeeded")
                let closed = h.logs.lines.withLock { $0.contains { $0.contains("database call past its deadline") && $0.contains("operation=log-append") } }
                #expect(closed, "a log insert hit its deadline:\n\(h.logs.text)")
                _ = try await locker.query("ROLLBACK", logger: h.db.logger)
            } catch {
                try? await locker.close()
                throw error
            }
            try await locker.close()
            // The pool recovered from the connections the deadline closed: the next run's log is stored.
            let next = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            #expect(try await h.waitFor(next, ["succeeded", "failed", "lost"]) == "succeeded")
            let chunks = try await RunLogStore(client: h.client, names: h.db.names, logger: h.db.logger).chunks(runID: next)
            #expect(String(decoding: chunks.flatMap(\.data), as: UTF8.self).contains("two"))
        }
    }

    /// One leader worker failing (a pool timeout in the materializer, an unreadable relay token
    /// at activation) restarts alone; it once cancelled every worker and killed every run `lost`.
    @Test func aWorkerThatFailsWhileARunIsInFlightLeavesTheRunRunningToSucceeded() async throws {
        let failures = Observed<Int>(0)
        let flaky: (name: String, run: LeaderWorkService.Worker) = (
            "flaky",
            { _ in
                try await Task.sleep(for: .milliseconds(300))
                failures.update { $0 += 1 }
                throw InjectedWorkerFailure()
            }
        )
        try await ExecutorHarness.with(pollInterval: .milliseconds(200), leaderWorkers: [flaky]) { h in
            let job = try await h.db.createJob(h.client, slug: "long", script: "echo started; sleep 4; echo finished")
            let run = try await h.db.runs(h.client).insertManualRun(jobID: job, actor: "test").id
            _ = try await h.waitFor(run, ["running"])
            let before = failures.value
            #expect(try await h.waitFor(run, ["succeeded", "failed", "lost", "cancelled"]) == "succeeded")
            #expect(failures.value > before, "the flaky worker failed while the run was in flight")
            let chunks = try await RunLogStore(client: h.client, names: h.db.names, logger: h.db.logger).chunks(runID: run)
            #expect(String(decoding: chunks.flatMap(\.data), as: UTF8.self).contains("finished"))
        }
    }
}

/// Runs each statement (DDL for the injected failures) on its own.
func execute(_ client: PostgresClient, _ statements: [String]) async throws {
    for statement in statements { try await client.query(PostgresQuery(unsafeSQL: statement)) }
}

struct InjectedWorkerFailure: Error, CustomStringConvertible {
    var description: String { "injected worker failure" }
}
