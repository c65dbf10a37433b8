import Foundation
import KJobCore
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

/// Backfill runs in the claim: one at a time per job, oldest first, whatever the overlap policy,
/// and a job's waiting ones do not crowd other jobs' runs out of a claim.
@Suite("Run queue: backfill runs", .enabled(if: TestDatabase.available))
struct BackfillQueueTests {
    @Test("a skip job's backfill runs start one at a time, oldest first, none skipped; a retry comes first; other jobs are not held up")
    func oneAtATime() async throws {
        let db = try TestDatabase()
        try await db.withClient { client in
            try await setEpoch(client, db, 1)
            let job = try await db.createJob(
                client, slug: "bf",
                spec: [
                    "overlap": "skip", "retries": ["max": 1, "backoff": "fixed", "initial": "10s", "max_delay": "10s"]
                ])
            let other = try await db.createJob(client, slug: "other", spec: ["overlap": "skip"])
            let jobs = JobsRepository(StoreContext(client: client, names: db.names, logger: db.logger))
            let base = Date(timeIntervalSince1970: 1_700_000_000)
            let fires = (0..<60).map { base.addingTimeInterval(Double($0) * 3600) }
            guard case .done(let created, let existing) = try await jobs.backfill(jobID: job, version: 1, fires: fires, dryRun: false, actor: "ops") else {
                Issue.record("backfill refused")
                return
            }
            #expect(created == fires && existing.isEmpty)
            // Queued after all 60: past the claim's candidate window (limit + 32 + 10) if they all took a place in it.
            let otherRun = try await insertQueuedRun(client, db, job: other, scheduledFor: Date())
            let q = RunQueue(client: client, names: db.names, nodeID: "n1", logger: db.logger)

            let now = Date()
            let first = try await q.claim(epoch: 1, limit: 4, now: now)
            #expect(first.skipped.isEmpty, "backfill runs are never skipped as overlap")
            #expect(Set(first.claimed.map(\.job)) == ["bf", "other"], "\(first.claimed.map(\.job))")
            #expect(first.claimed.first { $0.job == "other" }?.id == otherRun)
            let running = try #require(first.claimed.first { $0.job == "bf" })
            #expect(running.scheduledFor == fires[0])
            #expect(try await q.claim(epoch: 1, limit: 4, now: now).claimed.isEmpty, "the next one waits for the running one")

            // It fails: its retry (10 s later) comes before the next fire's run.
            _ = try await q.finish(running, result: RunResult(status: .failed, exitCode: 1, finishedAt: now), epoch: 1)
            let retryBackfill = try await client.scalar(
                """
                SELECT backfill FROM \(unescaped: db.names.schema).job_runs WHERE job_id = \(job) AND attempt = 2
                """, as: Bool.self)
            #expect(retryBackfill == true, "a retry of a backfill run is a backfill run")
            #expect(try await q.claim(epoch: 1, limit: 4, now: now).claimed.isEmpty, "the next fire waits for the retry")
            let retried = try await q.claim(epoch: 1, limit: 4, now: now.addingTimeInterval(11))
            #expect(retried.claimed.map(\.scheduledFor) == [fires[0]] && retried.claimed.first?.attempt == 2)
            _ = try await q.finish(retried.claimed[0], result: RunResult(status: .succeeded, exitCode: 0, finishedAt: now), epoch: 1)

            for index in 1..<4 {
                let report = try await q.claim(epoch: 1, limit: 4, now: now.addingTimeInterval(12))
                #expect(report.claimed.map(\.scheduledFor) == [fires[index]], "fire \(index)")
                #expect(report.skipped.isEmpty)
                guard let claimed = report.claimed.first else { return }
                _ = try await q.finish(claimed, result: RunResult(status: .succeeded, exitCode: 0, finishedAt: now), epoch: 1)
            }
            let waiting = try await client.scalar(
                """
                SELECT count(*) FROM \(unescaped: db.names.schema).job_runs WHERE job_id = \(job) AND status = 'queued' AND backfill
                """, as: Int64.self)
            #expect(waiting == 56)

            // Twice: nothing new; a dry run reports the same split.
            guard case .done(let again, let had) = try await jobs.backfill(jobID: job, version: 1, fires: fires, dryRun: false, actor: "ops"),
                case .done(let wouldCreate, _) = try await jobs.backfill(
                    jobID: job, version: 1, fires: fires + [base.addingTimeInterval(-3600)], dryRun: true, actor: "ops")
            else {
                Issue.record("second backfill refused")
                return
            }
            #expect(again.isEmpty && had == fires)
            #expect(wouldCreate == [base.addingTimeInterval(-3600)])
            #expect(try await jobs.backfill(jobID: job, version: 2, fires: fires, dryRun: false, actor: "ops") == .versionMismatch(current: 1))
            #expect(try await jobs.backfill(jobID: UUID(), version: 1, fires: fires, dryRun: false, actor: "ops") == .missing)
        }
    }
}
