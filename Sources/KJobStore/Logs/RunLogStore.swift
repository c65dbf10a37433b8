import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Writes and reads run logs in `kjob.run_log_chunks`, so either node serves them.
///
/// Appends are not fenced: a log line of a run the node is still killing is history, not a
/// decision. Re-sent chunks (same seq) are ignored.
public struct RunLogStore: StoreRepository {
    public let context: StoreContext

    public init(_ context: StoreContext) {
        self.context = context
    }

    /// Inserts `chunks` in one statement, within `deadline` (nil: none; see
    /// ``DatabaseDeadlineError``). The bytes are stored as written (`bytea`).
    public func append(runID: UUID, _ chunks: [StoredLogChunk], deadline: Duration? = nil) async throws {
        guard !chunks.isEmpty else { return }
        var binds = PostgresBindings(capacity: chunks.count * 4 + 1)
        binds.append(runID)
        var values: [String] = []
        values.reserveCapacity(chunks.count)
        for (index, chunk) in chunks.enumerated() {
            let base = 2 + index * 4
            values.append("($1, $\(base)::int, $\(base + 1)::text, $\(base + 2)::timestamptz, $\(base + 3)::bytea)")
            binds.append(chunk.seq)
            binds.append(chunk.stream)
            binds.append(chunk.at)
            binds.append(ByteBuffer(bytes: chunk.data))
        }
        let sql =
            "INSERT INTO \(names.schema).run_log_chunks (run_id, seq, stream, at, data) VALUES "
            + values.joined(separator: ", ") + " ON CONFLICT (run_id, seq) DO NOTHING"
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        let logger = self.logger
        try await client.withConnection(deadline: deadline, operation: "log-append", logger: logger) { connection in
            _ = try await connection.queryIfOpen(query, logger: logger)
        }
    }

    /// The run's chunks with `seq > after`, in order, at most `limit`.
    public func chunks(runID: UUID, after: Int = -1, limit: Int = 10_000) async throws -> [StoredLogChunk] {
        var result: [StoredLogChunk] = []
        for try await (seq, stream, at, data) in try await client.query(
            """
            SELECT seq, stream, at, data FROM \(unescaped: names.schema).run_log_chunks
             WHERE run_id = \(runID) AND seq > \(after) ORDER BY seq LIMIT \(limit)
            """, logger: logger
        ).decode((Int, String, Date, ByteBuffer).self) {
            result.append(StoredLogChunk(seq: seq, stream: stream, at: at, data: Array(data.readableBytesView)))
        }
        return result
    }
}
