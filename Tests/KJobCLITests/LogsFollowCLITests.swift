import Foundation
import KJobServer
import KJobTestSupport
import PostgresNIO
import Testing

/// A followed log's stream also ends when its node shuts down (or after `maxFollow`) while the
/// run goes on; `kjob logs -f` then follows again and prints each byte once (issue #12 item 3).
@Suite("kjob logs -f across ended streams", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct LogsFollowCLITests {
    @Test func followResumesWithoutRepeatingOutput() async throws {
        // Every stream ends after 300 ms, as a node's do when it shuts down.
        try await CLIFixture.with(configure: { $0.maxFollow = .milliseconds(300) }) { cli in
            #expect(try await cli.run(["create", "--slug", "long", "--prompt", "true", "--schedule", "@daily", "--agent", "shell"]).status == 0)
            let runID = try #require(try await cli.run(["run-now", "long", "--json"]).object["id"] as? String)
            let id = try #require(UUID(uuidString: runID))
            let schema = cli.db.names.schema
            func append(_ seq: Int, _ text: String) async throws {
                try await cli.sql(
                    "INSERT INTO \(unescaped: schema).run_log_chunks (run_id, seq, stream, data) VALUES (\(id), \(seq), 'stdout', \(ByteBuffer(string: text)))")
            }
            try await cli.sql("UPDATE \(unescaped: schema).job_runs SET status = 'running', started_at = now() WHERE id = \(id)")
            try await append(0, "one\n")
            async let followed = cli.run(["logs", "-f", runID], token: "viewer")
            // Output arrives across several streams (each ends after 300 ms).
            try await Task.sleep(for: .milliseconds(700))
            try await append(1, "two\n")
            try await Task.sleep(for: .milliseconds(700))
            try await append(2, "three\n")
            try await cli.sql("UPDATE \(unescaped: schema).job_runs SET status = 'succeeded', finished_at = now() WHERE id = \(id)")
            let result = try await followed
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "one\ntwo\nthree\n")
        }
    }
}
