import Foundation
import KJobCore
import KJobRelay
import KJobRelaySink
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

@testable import KJobDaemon

/// Delete and disable against a live executor: no run of a removed job is left untracked, queued work
/// is cancelled with the actor's name, and what was already produced (runs, logs, dispatches) stays.
@Suite("Job delete and disable with runs in flight", .enabled(if: TestDatabase.available))
struct JobRemovalTests {
    /// The first run of the job exits at once; every later one records its pid and sleeps.
    static func spec(slug: String, root: String) throws -> JobSpec {
        try JobSpec(
            toml: """
                [job]
                slug = "\(slug)"
                agent = "sh"
                prompt = '''if [ -f "$MARK" ]; then echo $$ > "$PIDS/$KJOB_RUN_ID"; exec sleep 600; else touch "$MARK"; echo first; fi'''
                schedule = "@every 1d"
                overlap = "allow"
                timeout = "10m"
                output = { channel = "alerts" }
                env = { MARK = "\(root)/\(slug).mark", PIDS = "\(root)/pids" }
                """)
    }

    static func pid(of run: UUID, root: String) throws -> pid_t? {
        guard let text = try? String(contentsOfFile: "\(root)/pids/\(run.uuidString.lowercased())", encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func alive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    /// The job `slug`, created by alice through the repository the API uses, and the repositories.
    static func created(_ slug: String, in h: ExecutorHarness) async throws -> (JobsRepository, RunsRepository, JobRecord) {
        try FileManager.default.createDirectory(atPath: "\(h.root)/pids", withIntermediateDirectories: true)
        let context = StoreContext(client: h.client, names: h.db.names, logger: h.db.logger)
        let jobs = JobsRepository(context)
        let result = try await jobs.write(tenant: "default", spec: try spec(slug: slug, root: h.root), mode: .create, now: Date(), actor: "alice")
        guard case .created(let job) = result else { throw JobNotCreated(result: result) }
        return (jobs, RunsRepository(context), job)
    }

    struct JobNotCreated: Error, CustomStringConvertible {
        var result: JobsRepository.WriteResult
        var description: String { "the test job was not created: \(result)" }
    }

    @Test("delete kills the running run, cancels the queued one, delivers the finished run's dispatch once and frees the slug")
    func deleteWithRunsInFlight() async throws {
        try await withTLSSink { sink, files in
            try await ExecutorHarness.with(pollInterval: .milliseconds(200), maxParallel: 1) { h in
                let (jobs, runs, job) = try await Self.created("doomed", in: h)
                let finished = try await runs.insertManualRun(jobID: job.id, actor: "alice")
                #expect(try await h.waitFor(finished.id, ["succeeded"]) == "succeeded")
                let running = try await runs.insertManualRun(jobID: job.id, actor: "alice")
                #expect(try await h.waitFor(running.id, ["running"]) == "running")
                var childPID: pid_t?
                _ = try await poll(timeout: .seconds(30)) {
                    childPID = try Self.pid(of: running.id, root: h.root)
                    return childPID != nil
                }
                let child = try #require(childPID, "the running run never recorded its pid")
                // max_parallel = 1: this one waits behind the running run.
                let queued = try await runs.insertManualRun(jobID: job.id, actor: "alice")

                #expect(try await jobs.delete(tenant: "default", slug: "doomed", actor: "alice"))

                #expect(try await h.waitFor(queued.id, ["cancelled"]) == "cancelled")
                #expect(try await runs.get(id: queued.id, tenant: "default")?.reason == "job deleted by alice")
                #expect(try await h.waitFor(running.id, ["cancelled", "lost", "failed"]) == "cancelled")
                let reaped = try await poll(timeout: .seconds(30)) { !Self.alive(child) }
                #expect(reaped != nil, "the deleted job's child \(child) is still alive")
                #expect(try await runs.get(id: running.id, tenant: "default")?.reason == "cancelled by request")

                // What the job produced stays: the finished run, its log and its pending dispatch.
                let kept = try #require(try await runs.get(id: finished.id, tenant: "default"))
                #expect(kept.status == "succeeded" && kept.dispatchStatus == "pending")
                #expect(try await runs.dispatches(runID: finished.id).map(\.status) == ["pending"])
                #expect(!(try await runs.logChunks(runID: finished.id, afterSeq: -1, limit: 10)).isEmpty)
                // The dispatcher (started only now) still delivers it, once.
                let dispatch = try #require(
                    try await h.client.scalar(
                        "SELECT id FROM \(unescaped: h.db.names.schema).dispatches WHERE run_id = \(finished.id)", as: UUID.self))
                try await withDispatcher(h.client, h.db, relay: files.clientConfiguration(port: sink.port, token: true)) {
                    _ = try await waitForDispatch(h.client, h.db, dispatch, "delivered")
                }
                let delivered = await sink.records().filter { $0.body.run.id == finished.id.uuidString.lowercased() }
                #expect(delivered.count == 1, "the deleted job's finished run was delivered once: \(delivered.count)")

                // Gone from lookups and listings; the slug is free again.
                #expect(try await jobs.get(tenant: "default", slug: "doomed") == nil)
                #expect(try await jobs.page(tenant: "default", after: nil, limit: 10).jobs.isEmpty)
                #expect(try await jobs.delete(tenant: "default", slug: "doomed", actor: "alice") == false)
                guard
                    case .created(let again) = try await jobs.write(
                        tenant: "default", spec: try Self.spec(slug: "doomed", root: h.root),
                        mode: .create, now: Date(), actor: "alice")
                else {
                    Issue.record("the slug of a deleted job could not be reused")
                    return
                }
                #expect(again.id != job.id)

                // A run-now that looked the job up just before the delete committed is never started.
                let late = try await runs.insertManualRun(jobID: job.id, actor: "alice")
                #expect(try await h.waitFor(late.id, ["skipped", "succeeded", "failed", "running"]) == "skipped")
                #expect(try await runs.get(id: late.id, tenant: "default")?.reason == SkipReason.deleted.rawValue)
            }
        }
    }

    @Test("disable cancels queued runs with the actor's name; the running run goes on; run-now of a disabled job runs")
    func disableCancelsQueuedRuns() async throws {
        try await ExecutorHarness.with(pollInterval: .milliseconds(200), maxParallel: 1) { h in
            let (jobs, runs, job) = try await Self.created("paused", in: h)
            let first = try await runs.insertManualRun(jobID: job.id, actor: "alice")
            #expect(try await h.waitFor(first.id, ["succeeded"]) == "succeeded")
            let running = try await runs.insertManualRun(jobID: job.id, actor: "alice")
            #expect(try await h.waitFor(running.id, ["running"]) == "running")
            let queued = try await runs.insertManualRun(jobID: job.id, actor: "alice")

            let disabled = try #require(try await jobs.setEnabled(tenant: "default", slug: "paused", enabled: false, actor: "bob"))
            #expect(disabled.enabled == false)
            #expect(try await h.waitFor(queued.id, ["cancelled"]) == "cancelled")
            #expect(try await runs.get(id: queued.id, tenant: "default")?.reason == "job disabled by bob")
            #expect(try await h.runStatus(running.id) == "running", "disable pauses future fires; it does not kill the running run")

            // An operator's run-now of a paused job still runs (after the running one is cancelled).
            _ = try await runs.cancel(id: running.id, tenant: "default", requestedBy: "bob")
            #expect(try await h.waitFor(running.id, ["cancelled"]) == "cancelled")
            let manual = try await runs.insertManualRun(jobID: job.id, actor: "alice")
            #expect(try await h.waitFor(manual.id, ["running", "succeeded"]) == "running")
            _ = try await runs.cancel(id: manual.id, tenant: "default", requestedBy: "bob")
            #expect(try await h.waitFor(manual.id, ["cancelled"]) == "cancelled")
        }
    }
}
