import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

/// A run always ends: hostile output is stored safely, cancel requests outlive a failover, and
/// runs no task tracks any more are ended by the executor's recovery pass.
@Suite("Run queue: safe text, recovery, cancel across failover", .enabled(if: TestDatabase.available))
struct RunQueueRecoveryTests {
    func queue(_ client: PostgresClient, _ db: TestDatabase, node: String = "n1") -> RunQueue {
        RunQueue(client: client, names: db.names, nodeID: node, logger: db.logger)
    }

    func count(_ client: PostgresClient, _ db: TestDatabase, _ condition: String) async throws -> Int64 {
        try await client.scalar(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(db.names.schema).job_runs WHERE \(condition)"), as: Int64.self) ?? -1
    }

    /// NUL and invalid UTF-8 in stdout and in the reason: jsonb refuses `\u0000` and text refuses
    /// NUL, which once rolled the finish back and left the run `running` for good.
    @Test func nulAndInvalidUTF8InOutputAndReasonAreStoredAsReplacementCharacters() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(client, slug: "nul", targets: [("ops", ["always"])])
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date())
            let q = queue(client, db)
            let claimed = try #require(try await q.claim(epoch: 1, limit: 1, now: Date()).claimed.first)
            let tail: [UInt8] = Array("a".utf8) + [0x00] + Array("b".utf8) + [0xC3, 0x28, 0xFF] + Array("c\n".utf8)
            let result = RunResult(status: .failed, exitCode: 1, reason: "exit\0code 1", finishedAt: Date(), stdoutTail: tail)
            let report = try await q.finish(claimed, result: result, epoch: 1)
            #expect(report.dispatches.count == 1)
            #expect(try await runStatus(client, db, claimed.id) == "failed")
            let reason = try await client.scalar("SELECT reason FROM \(unescaped: db.names.schema).job_runs WHERE id = \(claimed.id)", as: String.self)
            #expect(reason == "exit\u{FFFD}code 1")
            let body = try #require(
                try await client.scalar(
                    "SELECT payload->'message'->>'body' FROM \(unescaped: db.names.schema).dispatches WHERE run_id = \(claimed.id)", as: String.self))
            #expect(body.hasPrefix("a\u{FFFD}b\u{FFFD}(\u{FFFD}c"), "body: \(body.debugDescription)")
            #expect(body.contains("exit\u{FFFD}code 1"))
        }
    }

    /// Item 9: the operator cancels, then the active dies before recording it. The new active
    /// records the run `cancelled` (the request survives), not `lost`, and does not retry it.
    @Test func cancelRequestedBeforeAFailoverIsRecordedCancelledNotRetried() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(
                client, slug: "cancel-failover",
                spec: ["retries": ["max": 3, "initial": "1s", "max_delay": "1s"]],
                targets: [("ops", ["always"])])
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date())
            let claimed = try #require(try await queue(client, db, node: "old").claim(epoch: 1, limit: 1, now: Date()).claimed.first)
            #expect(try await db.runs(client).cancel(id: claimed.id, tenant: nil, requestedBy: "test")?.run.status == "running")
            try await setEpoch(client, db, 2)
            _ = try await queue(client, db, node: "new").recoverLost(epoch: 2, now: Date(), killGrace: .seconds(1))
            #expect(try await runStatus(client, db, claimed.id) == "cancelled")
            let reason = try await client.scalar("SELECT reason FROM \(unescaped: db.names.schema).job_runs WHERE id = \(claimed.id)", as: String.self)
            #expect(reason?.hasPrefix("cancelled by request") == true, "reason: \(reason ?? "-")")
            #expect(reason?.contains("old, epoch 1") == true)
            #expect(try await count(client, db, "job_id = '\(job)' AND attempt > 1") == 0, "a cancelled run is not retried")
            let title = try await client.scalar(
                "SELECT payload->'message'->>'title' FROM \(unescaped: db.names.schema).dispatches WHERE run_id = \(claimed.id)", as: String.self)
            #expect(title == "[cancel-failover] cancelled")
        }
    }

    /// A run killed by a demotion is reported `lost` by the executor; with a cancel request
    /// pending it is recorded `cancelled` and not retried.
    @Test func lostResultOfARunWithACancelRequestIsRecordedCancelled() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(client, slug: "lost-cancel", spec: ["retries": ["max": 3, "initial": "1s", "max_delay": "1s"]])
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date())
            let q = queue(client, db)
            let claimed = try #require(try await q.claim(epoch: 1, limit: 1, now: Date()).claimed.first)
            _ = try await db.runs(client).cancel(id: claimed.id, tenant: nil, requestedBy: "test")
            let report = try await q.finish(
                claimed,
                result: RunResult(
                    status: .lost, signal: 15, reason: "killed: this node stopped being active",
                    finishedAt: Date()), epoch: 1)
            #expect(report.status == .cancelled)
            #expect(report.retryID == nil)
            #expect(try await runStatus(client, db, claimed.id) == "cancelled")
            #expect(try await count(client, db, "job_id = '\(job)' AND attempt > 1") == 0)
        }
    }

    /// The executor's pass ends this epoch's running runs no task tracks (claim committed but its
    /// reply lost; finish failed for good): `lost` and retried at once per policy, or `cancelled`
    /// when requested. Tracked runs, and other epochs' runs, are left alone.
    @Test func untrackedRunsOfTheCurrentEpochAreRecoveredAndTrackedOnesAreLeftAlone() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let q = queue(client, db)
            let retried = try await db.createJob(client, slug: "untracked", spec: ["timeout": "1h", "retries": ["max": 1, "initial": "1s", "max_delay": "1s"]])
            let plain = try await db.createJob(client, slug: "tracked")
            let cancelled = try await db.createJob(client, slug: "untracked-cancel")
            for job in [retried, plain, cancelled] { _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date()) }
            let claimed = try await q.claim(epoch: 1, limit: 10, now: Date()).claimed
            let byJob = Dictionary(uniqueKeysWithValues: claimed.map { ($0.jobID, $0.id) })
            let (lostRun, trackedRun, cancelledRun) = (try #require(byJob[retried]), try #require(byJob[plain]), try #require(byJob[cancelled]))
            _ = try await db.runs(client).cancel(id: cancelledRun, tenant: nil, requestedBy: "test")
            let now = Date()
            let ended = try await q.recoverUntracked(epoch: 1, tracked: [trackedRun], now: now)
            #expect(Set(ended) == [RecoveredRun(id: lostRun, status: .lost), RecoveredRun(id: cancelledRun, status: .cancelled)])
            #expect(try await runStatus(client, db, trackedRun) == "running")
            #expect(try await runStatus(client, db, lostRun) == "lost")
            #expect(try await runStatus(client, db, cancelledRun) == "cancelled")
            let reason = try await client.scalar("SELECT reason FROM \(unescaped: db.names.schema).job_runs WHERE id = \(lostRun)", as: String.self)
            #expect(reason?.contains("could not be recorded") == true, "reason: \(reason ?? "-")")
            // No child of this node runs it: the retry waits for its backoff, not for the 1 h timeout.
            let notBefore = try #require(
                try await client.scalar(
                    "SELECT not_before FROM \(unescaped: db.names.schema).job_runs WHERE job_id = \(retried) AND attempt = 2", as: Date.self))
            #expect(notBefore <= now.addingTimeInterval(1.01))
            // A run of an older epoch is the next active's recoverLost's, not this pass's.
            try await setEpoch(client, db, 2)
            #expect(try await q.recoverUntracked(epoch: 2, tracked: [], now: Date()).isEmpty)
            #expect(try await runStatus(client, db, trackedRun) == "running")
        }
    }

    /// A call whose Postgres does not answer (here: a table lock held elsewhere) fails at its
    /// deadline, and the pool stays usable once the lock is gone.
    @Test func aCallPastItsDeadlineFailsAndThePoolRecovers() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            let job = try await db.createJob(client, slug: "deadline")
            let run = try await insertQueuedRun(client, db, job: job, scheduledFor: Date())
            let store = RunLogStore(client: client, names: db.names, logger: db.logger)
            let chunk = StoredLogChunk(seq: 0, stream: "stdout", at: Date(), data: [0x61])
            let locker = try await db.connect()
            do {
                _ = try await locker.query("BEGIN", logger: db.logger)
                _ = try await locker.query("LOCK TABLE \(unescaped: db.names.schema).run_log_chunks IN ACCESS EXCLUSIVE MODE", logger: db.logger)
                let started = ContinuousClock.now
                await #expect(throws: DatabaseDeadlineError.self) {
                    try await store.append(runID: run, [chunk], deadline: .milliseconds(500))
                }
                #expect(ContinuousClock.now - started < .seconds(30))
                _ = try await locker.query("ROLLBACK", logger: db.logger)
            } catch {
                try? await locker.close()
                throw error
            }
            try await locker.close()
            // Every pooled connection still answers (the closed one is replaced). The pool may hand out
            // the closed connection once more before it notices, so a call may fail once, never twice.
            var failures = 0
            for seq in 1...10 {
                let chunk = StoredLogChunk(seq: seq, stream: "stdout", at: Date(), data: [0x62])
                do {
                    try await store.append(runID: run, [chunk], deadline: .seconds(30))
                } catch {
                    failures += 1
                    try await store.append(runID: run, [chunk], deadline: .seconds(30))
                }
            }
            #expect(failures <= 1, "the pool kept handing out a dead connection: \(failures) failed calls")
            // (The chunk of the call that timed out may still land: its backend waited on the lock.)
            #expect(Set(try await store.chunks(runID: run).map(\.seq)).isSuperset(of: 1...10))
        }
    }
}
