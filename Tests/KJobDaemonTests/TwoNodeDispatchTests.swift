import Foundation
import KJobRelaySink
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

/// Two real `kjobd` processes and the sink over TLS: the active fails to deliver (503), is killed
/// with SIGKILL, and the new active delivers the pending dispatch exactly once.
@Suite("Two nodes: a dispatch left pending by a killed active", .enabled(if: TestDatabase.available), .serialized)
struct TwoNodeDispatchTests {
    @Test func newActiveDeliversPendingDispatchOnce() async throws {
        let root = "/tmp/kjob-two-node-dispatch-\(UUID().uuidString.lowercased())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await withTLSSink { sink, files in
            try await sink.setFault(.status(503))
            try await KJobdPair.with(environment: { name in
                [
                    "KJOBD_AGENTS_SH_COMMAND": #"["/bin/sh", "-c", "{prompt}"]"#,
                    "KJOBD_EXECUTOR_WORK_DIR": "\(root)/work-\(name)",
                    "KJOBD_EXECUTOR_LOG_DIR": "\(root)/logs-\(name)",
                    "KJOBD_RELAY_URL": "https://127.0.0.1:\(sink.port)/v1/dispatch",
                    "KJOBD_RELAY_CA_FILE": files.caCert,
                    "KJOBD_RELAY_TOKEN_FILE": files.token,
                    "KJOBD_RELAY_TIMEOUT": "2s"
                ]
            }) { pair in
                let (db, client, a, b) = (pair.db, pair.client, pair.a, pair.b)
                let job = try await db.createJob(client, slug: "handover", script: "echo done", targets: [("ops", [])])
                let run = try await db.runs(client).insertManualRun(jobID: job, actor: "test").id
                // a ran it and tried the relay, which refused (503): the dispatch is pending with an attempt made.
                var id: UUID?
                let tried = try await poll(timeout: .seconds(30), interval: .milliseconds(50)) {
                    id = try await client.scalar(
                        """
                        SELECT id FROM \(unescaped: db.names.schema).dispatches WHERE run_id = \(run) AND status = 'pending' AND attempts >= 1
                        """, as: UUID.self)
                    return id != nil
                }
                try #require(tried != nil, "a never attempted the dispatch:\n\(a.log)")
                let dispatch = try #require(id)
                let epochA = try await pair.leader().epoch
                a.signal(SIGKILL)
                try await sink.setFault(.none)
                let took = try await pair.takeover(by: "b", after: epochA, timeout: .seconds(15), interval: .milliseconds(20))
                try #require(took != nil, "b never took over:\n\(b.log)")
                let row = try await waitForDispatch(client, db, dispatch, "delivered", timeout: .seconds(60))
                #expect(row.attempts >= 2)
                #expect(row.lastHTTPStatus == 200)
                let records = await sink.records()
                #expect(records.map(\.idempotencyKey) == [dispatch.uuidString.lowercased()])
                #expect(records.first?.body.run.id == run.uuidString.lowercased())
                #expect(b.log.contains("dispatch delivered"), "b's log:\n\(b.log)")
                _ = await b.stop(timeout: .seconds(15))
            }
        }
    }
}
