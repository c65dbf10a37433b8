import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import NIOCore
import PostgresNIO
import Testing

/// A queued scheduled run (attempt 1) of `job` at `scheduledFor`.
func insertQueuedRun(_ client: PostgresClient, _ db: TestDatabase, job: UUID, scheduledFor: Date) async throws -> UUID {
    let id = UUID()
    try await client.query(
        """
        INSERT INTO \(unescaped: db.names.schema).job_runs (id, job_id, scheduled_for, fire_key, status)
        VALUES (\(id), \(job), \(scheduledFor), \(Materializer.fireKey(scheduledFor)), 'queued')
        """)
    return id
}

func runStatus(_ client: PostgresClient, _ db: TestDatabase, _ id: UUID) async throws -> String? {
    try await client.scalar("SELECT status FROM \(unescaped: db.names.schema).job_runs WHERE id = \(id)", as: String.self)
}

@Suite("Run queue: claims, finishes, retries, outbox", .enabled(if: TestDatabase.available))
struct RunQueueTests {
    func queue(_ client: PostgresClient, _ db: TestDatabase, node: String = "n1") -> RunQueue {
        RunQueue(client: client, names: db.names, nodeID: node, publicURL: "https://kjob.example:7070/", logger: db.logger)
    }

    @Test func twoRacingClaimersClaimEachRunOnce() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 3)
            let base = Date(timeIntervalSince1970: 1_900_000_000)
            var runs: Set<UUID> = []
            for index in 0..<40 {
                let job = try await db.createJob(client, slug: "race-\(index)")
                runs.insert(try await insertQueuedRun(client, db, job: job, scheduledFor: base))
            }
            let a = queue(client, db, node: "a")
            let b = queue(client, db, node: "b")
            let now = Date()
            var claimedA: [UUID] = []
            var claimedB: [UUID] = []
            // Rounds of concurrent claims in small batches, so the two overlap in time; SKIP LOCKED
            // lets one come back short while the other holds rows, so go on until all are claimed.
            for _ in 0..<100 where claimedA.count + claimedB.count < 40 {
                async let ra = a.claim(epoch: 3, limit: 3, now: now)
                async let rb = b.claim(epoch: 3, limit: 3, now: now)
                claimedA += try await ra.claimed.map(\.id)
                claimedB += try await rb.claimed.map(\.id)
            }
            let all = claimedA + claimedB
            #expect(all.count == 40, "every run claimed")
            #expect(Set(all).count == all.count, "no run claimed twice")
            #expect(Set(all) == runs)
            #expect(
                try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).job_runs WHERE status = 'running' AND epoch = 3", as: Int64.self)
                    == 40)
            // Nothing left to claim.
            #expect(try await a.claim(epoch: 3, limit: 10, now: now).claimed.isEmpty)
        }
    }

    @Test func notBeforeInTheFutureIsNotClaimed() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(client, slug: "later")
            let run = try await insertQueuedRun(client, db, job: job, scheduledFor: Date())
            let now = Date()
            try await client.query("UPDATE \(unescaped: db.names.schema).job_runs SET not_before = \(now.addingTimeInterval(60)) WHERE id = \(run)")
            #expect(try await queue(client, db).claim(epoch: 1, limit: 5, now: now).claimed.isEmpty)
            #expect(try await queue(client, db).claim(epoch: 1, limit: 5, now: now.addingTimeInterval(61)).claimed.map(\.id) == [run])
        }
    }

    @Test func staleEpochClaimAndFinishAreRejected() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(client, slug: "stale", targets: [("chan", ["always"])])
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date())
            let q = queue(client, db)
            let claimed = try #require(try await q.claim(epoch: 1, limit: 1, now: Date()).claimed.first)
            try await setEpoch(client, db, 2)
            await #expect(throws: StaleEpochError(epoch: 1, current: 2, operation: "finish")) {
                try await q.finish(claimed, result: RunResult(status: .succeeded, exitCode: 0, finishedAt: Date()), epoch: 1)
            }
            #expect(try await runStatus(client, db, claimed.id) == "running")
            #expect(try await client.scalar("SELECT count(*) FROM \(unescaped: db.names.schema).dispatches", as: Int64.self) == 0)
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date().addingTimeInterval(-5))
            await #expect(throws: StaleEpochError.self) { try await q.claim(epoch: 1, limit: 1, now: Date()) }

            // The new active marks it lost; the old node's finish under the new epoch is also refused.
            let lost = try await q.recoverLost(epoch: 2, now: Date(), killGrace: .seconds(1))
            #expect(lost == [RecoveredRun(id: claimed.id, status: .lost)])
            #expect(try await runStatus(client, db, claimed.id) == "lost")
            await #expect(throws: RunNotRunningError.self) {
                try await q.finish(claimed, result: RunResult(status: .succeeded, exitCode: 0, finishedAt: Date()), epoch: 2)
            }
        }
    }

    @Test func finishRefusesAStatusARunningRunCannotMoveTo() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(client, slug: "illegal")
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date())
            let q = queue(client, db)
            let claimed = try #require(try await q.claim(epoch: 1, limit: 1, now: Date()).claimed.first)
            for status in [RunStatus.queued, .running, .skipped] {
                let error = await #expect(throws: RunTransitionError.self) {
                    try await q.finish(claimed, result: RunResult(status: status, finishedAt: Date()), epoch: 1)
                }
                #expect(error?.runID == claimed.id && error?.from == .running && error?.to == status)
            }
            #expect(try await runStatus(client, db, claimed.id) == "running")
        }
    }

    @Test func finishWritesOutboxRowsInTheSameTransaction() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 7)
            let job = try await db.createJob(
                client, slug: "audit",
                targets: [("all", []), ("ok", ["success"]), ("bad", ["failure"])])
            let scheduled = Date(timeIntervalSince1970: 1_900_000_000)
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: scheduled)
            let q = queue(client, db)
            let claimed = try #require(try await q.claim(epoch: 7, limit: 1, now: Date()).claimed.first)
            let tail = Array("line one\nall good\n".utf8) + [0xFF, 0xFE]
            let report = try await q.finish(
                claimed,
                result: RunResult(
                    status: .succeeded, exitCode: 0, finishedAt: Date(),
                    logBytes: 20, stdoutTail: tail), epoch: 7)
            #expect(report.dispatches.count == 2)
            #expect(report.retryID == nil)
            var channels: [String: String] = [:]
            for try await (channel, payload, status) in try await client.query(
                "SELECT channel, payload::text, status FROM \(unescaped: db.names.schema).dispatches WHERE run_id = \(claimed.id)"
            ).decode((String, String, String).self) {
                channels[channel] = payload
                #expect(status == "pending")
            }
            #expect(Set(channels.keys) == ["all", "ok"])
            let payload = try #require(channels["ok"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
            #expect(object["channel"] as? String == "ok")
            let message = try #require(object["message"] as? [String: Any])
            #expect(message["title"] as? String == "[audit] completed")
            #expect(message["status"] as? String == "success")
            let body = try #require(message["body"] as? String)
            #expect(body.contains("all good"))
            #expect(body.contains("https://kjob.example:7070/v1/runs/\(claimed.id.uuidString.lowercased())/log"))
            let run = try #require(object["run"] as? [String: Any])
            #expect(run["id"] as? String == claimed.id.uuidString.lowercased())
            #expect(run["job"] as? String == "audit")
            #expect(run["attempt"] as? Int == 1)
            #expect(run["exit_code"] as? Int == 0)
            #expect(run["scheduled_for"] as? String == "2030-03-17T17:46:40.000Z")
            #expect(try await runStatus(client, db, claimed.id) == "succeeded")
        }
    }

    @Test func failedRunWithRetriesIsRetriedAfterBackoffThenDispatched() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(
                client, slug: "flaky",
                spec: ["retries": ["max": 1, "backoff": "exponential", "initial": "2s", "max_delay": "1m"]],
                targets: [("alerts", ["failure"])])
            let scheduled = Date(timeIntervalSince1970: 1_900_000_000)
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: scheduled)
            let q = queue(client, db)
            let first = try #require(try await q.claim(epoch: 1, limit: 1, now: Date()).claimed.first)
            let failedAt = Date()
            let report = try await q.finish(first, result: RunResult(status: .failed, exitCode: 3, finishedAt: failedAt), epoch: 1)
            let retry = try #require(report.retryID)
            let notBefore = try #require(report.retryNotBefore)
            #expect(notBefore >= failedAt && notBefore <= failedAt.addingTimeInterval(2.001), "full jitter within 0…initial")
            #expect(report.dispatches.isEmpty, "no dispatch while a retry is pending")
            #expect(try await client.scalar("SELECT trigger FROM \(unescaped: db.names.schema).job_runs WHERE id = \(retry)", as: String.self) == "retry")
            // Not claimable before its not_before, claimable after.
            if notBefore > Date().addingTimeInterval(0.05) {
                #expect(try await q.claim(epoch: 1, limit: 1, now: notBefore.addingTimeInterval(-0.05)).claimed.isEmpty)
            }
            let second = try #require(try await q.claim(epoch: 1, limit: 1, now: notBefore.addingTimeInterval(0.01)).claimed.first)
            #expect(second.id == retry)
            #expect(second.attempt == 2)
            #expect(second.fireKey == first.fireKey)
            #expect(second.scheduledFor == scheduled)
            let last = try await q.finish(second, result: RunResult(status: .timedOut, signal: 9, finishedAt: Date()), epoch: 1)
            #expect(last.retryID == nil, "retries exhausted")
            #expect(last.dispatches.count == 1)
            let payload = try await client.scalar("SELECT payload->'message'->>'status' FROM \(unescaped: db.names.schema).dispatches", as: String.self)
            #expect(payload == "timeout")
        }
    }

    @Test func lostRunsAreRetriedOnlyAfterTimeoutPlusKillGrace() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(
                client, slug: "lost",
                spec: ["timeout": "10m", "retries": ["max": 2, "initial": "1s", "max_delay": "1s"]])
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date())
            let started = Date()
            let claimed = try #require(try await queue(client, db, node: "old").claim(epoch: 1, limit: 1, now: started).claimed.first)
            try await setEpoch(client, db, 2)
            let now = started.addingTimeInterval(5)
            let lost = try await queue(client, db, node: "new").recoverLost(epoch: 2, now: now, killGrace: .seconds(5))
            #expect(lost == [RecoveredRun(id: claimed.id, status: .lost)])
            let notBefore = try #require(
                try await client.scalar(
                    "SELECT not_before FROM \(unescaped: db.names.schema).job_runs WHERE attempt = 2", as: Date.self))
            #expect(abs(notBefore.timeIntervalSince(started.addingTimeInterval(605))) < 0.01)
            let reason = try await client.scalar("SELECT reason FROM \(unescaped: db.names.schema).job_runs WHERE id = \(claimed.id)", as: String.self)
            #expect(reason?.contains("old") == true)
        }
    }

    @Test(arguments: ["skip", "queue", "allow", "replace"])
    func overlapPolicyAtClaim(_ policy: String) async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(client, slug: "ov-\(policy)", spec: ["overlap": policy])
            let q = queue(client, db)
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date(timeIntervalSince1970: 1_900_000_000))
            let first = try #require(try await q.claim(epoch: 1, limit: 5, now: Date()).claimed.first)
            let next = try await insertQueuedRun(client, db, job: job, scheduledFor: Date(timeIntervalSince1970: 1_900_000_060))
            let report = try await q.claim(epoch: 1, limit: 5, now: Date())
            switch policy {
            case "skip":
                #expect(report.claimed.isEmpty)
                #expect(report.skipped == [next])
                #expect(try await runStatus(client, db, next) == "skipped")
                #expect(try await client.scalar("SELECT reason FROM \(unescaped: db.names.schema).job_runs WHERE id = \(next)", as: String.self) == "overlap")
            case "queue":
                #expect(report.claimed.isEmpty)
                #expect(try await runStatus(client, db, next) == "queued")
                _ = try await q.finish(first, result: RunResult(status: .succeeded, exitCode: 0, finishedAt: Date()), epoch: 1)
                #expect(try await q.claim(epoch: 1, limit: 5, now: Date()).claimed.map(\.id) == [next])
            case "allow":
                #expect(report.claimed.map(\.id) == [next])
            default:
                #expect(report.claimed.isEmpty)
                #expect(report.cancelRequested == [first.id])
                #expect(try await q.cancelRequested(among: [first.id, next]) == [first.id])
                _ = try await q.finish(first, result: RunResult(status: .cancelled, signal: 15, finishedAt: Date()), epoch: 1)
                #expect(try await q.claim(epoch: 1, limit: 5, now: Date()).claimed.map(\.id) == [next])
            }
        }
    }

    @Test func queueOverlapKeepsAtMostMaxQueuedWaitingAndSkipsNewerFires() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(client, slug: "slow", spec: ["overlap": "queue"])
            let q = queue(client, db)
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date(timeIntervalSince1970: 1_900_000_000))
            let first = try #require(try await q.claim(epoch: 1, limit: 5, now: Date()).claimed.first)
            var later: [UUID] = []
            for minute in 1...(OverlapPolicy.defaultMaxQueued + 3) {
                later.append(try await insertQueuedRun(client, db, job: job, scheduledFor: Date(timeIntervalSince1970: 1_900_000_000 + Double(minute * 60))))
            }
            let report = try await q.claim(epoch: 1, limit: 5, now: Date())
            #expect(report.claimed.isEmpty)
            // The oldest ten wait; the three newest fires are skipped with reason overlap.
            #expect(Set(report.skipped) == Set(later.suffix(3)))
            for id in later.prefix(OverlapPolicy.defaultMaxQueued) { #expect(try await runStatus(client, db, id) == "queued") }
            for id in later.suffix(3) {
                #expect(try await runStatus(client, db, id) == "skipped")
                #expect(try await client.scalar("SELECT reason FROM \(unescaped: db.names.schema).job_runs WHERE id = \(id)", as: String.self) == "overlap")
            }
            // Once the running one finishes, the oldest waiting fire starts.
            _ = try await q.finish(first, result: RunResult(status: .succeeded, exitCode: 0, finishedAt: Date()), epoch: 1)
            #expect(try await q.claim(epoch: 1, limit: 5, now: Date()).claimed.map(\.id) == [later[0]])
        }
    }

    @Test func manualRunsIgnoreOverlapAndCancelOfQueuedRunIsImmediate() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(client, slug: "manual", spec: ["overlap": "skip"])
            let q = queue(client, db)
            _ = try await insertQueuedRun(client, db, job: job, scheduledFor: Date())
            _ = try await q.claim(epoch: 1, limit: 5, now: Date())
            let manual = try await db.runs(client).insertManualRun(jobID: job, actor: "test").id
            #expect(try await q.claim(epoch: 1, limit: 5, now: Date()).claimed.map(\.id) == [manual])
            let queued = try await db.runs(client).insertManualRun(jobID: job, actor: "test").id
            #expect(try await db.runs(client).cancel(id: queued, tenant: nil, requestedBy: "test")?.run.status == "cancelled")
            #expect(try await q.claim(epoch: 1, limit: 5, now: Date()).claimed.isEmpty)
        }
    }

    @Test func logChunksRoundTripByteExact() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            let job = try await db.createJob(client, slug: "logs")
            let run = try await insertQueuedRun(client, db, job: job, scheduledFor: Date())
            let store = RunLogStore(client: client, names: db.names, logger: db.logger)
            let invalid: [UInt8] = [0x66, 0x6F, 0x80, 0xC3, 0x28, 0x00, 0xFF, 0xF0, 0x9F, 0x98]
            let big = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let at = Date(timeIntervalSince1970: 1_900_000_000.25)
            try await store.append(
                runID: run,
                [
                    StoredLogChunk(seq: 0, stream: "stdout", at: at, data: invalid),
                    StoredLogChunk(seq: 1, stream: "stderr", at: at, data: big)
                ])
            try await store.append(
                runID: run,
                [
                    StoredLogChunk(seq: 2, stream: "system", at: at, data: Array("[truncated]".utf8)),
                    StoredLogChunk(seq: 1, stream: "stderr", at: at, data: [1])
                ])
            let read = try await store.chunks(runID: run)
            #expect(read.map(\.seq) == [0, 1, 2])
            #expect(read[0].data == invalid)
            #expect(read[1].data == big, "re-sent seq ignored; bytes exact")
            #expect(read.map(\.stream) == ["stdout", "stderr", "system"])
            #expect(try await store.chunks(runID: run, after: 1).map(\.seq) == [2])
        }
    }
}
