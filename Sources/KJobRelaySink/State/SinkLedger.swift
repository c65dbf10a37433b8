import Foundation
import KJobCore
import KJobRelay

/// The sink's memory: the current fault, the recorded keys and the counters. Writes each newly
/// accepted dispatch to the `--out` file before answering, so a 200 means it is on disk.
actor SinkLedger {
    private var stats = SinkStats()
    private var records: [SinkRecord] = []
    private var keys: Set<String> = []
    private let output: FileHandle?

    init(outFile: String?) throws {
        guard let outFile else {
            output = nil
            return
        }
        if !FileManager.default.fileExists(atPath: outFile) {
            guard FileManager.default.createFile(atPath: outFile, contents: nil) else {
                throw SinkError("--out \(outFile): cannot create the file; check the directory exists and is writable")
            }
        }
        // A restarted sink keeps deduplicating against what it already recorded.
        if let data = FileManager.default.contents(atPath: outFile) {
            let decoder = DispatchPayload.makeJSONDecoder()
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                if let record = try? decoder.decode(SinkRecord.self, from: Data(line)) {
                    keys.insert(record.idempotencyKey)
                    records.append(record)
                }
            }
            stats.accepted = keys.count
        }
        guard let handle = FileHandle(forWritingAtPath: outFile) else {
            throw SinkError("--out \(outFile): cannot open for writing; check its permissions")
        }
        handle.seekToEndOfFile()
        output = handle
    }

    enum Admission: Sendable {
        case proceed
        case fault(SinkFault)
    }

    /// Counts the request and consumes one use of the current fault, if any.
    func admit() -> Admission {
        stats.requests += 1
        let fault = stats.fault
        guard fault.mode != .none else { return .proceed }
        if let count = fault.count {
            stats.fault =
                count <= 1
                ? .none
                : SinkFault(
                    mode: fault.mode, status: fault.status,
                    seconds: fault.seconds, count: count - 1, retryAfter: fault.retryAfter)
        }
        stats.faulted += 1
        return .fault(fault)
    }

    func reject() {
        stats.rejected += 1
    }

    enum Acceptance: Sendable, Equatable {
        case accepted
        case duplicate
    }

    func accept(_ record: SinkRecord) throws -> Acceptance {
        guard !keys.contains(record.idempotencyKey) else {
            stats.duplicates += 1
            stats.duplicatesByKey[record.idempotencyKey, default: 0] += 1
            return .duplicate
        }
        if let output {
            var line = try DispatchPayload.makeJSONEncoder().encode(record)
            line.append(UInt8(ascii: "\n"))
            try output.write(contentsOf: line)
        }
        keys.insert(record.idempotencyKey)
        records.append(record)
        stats.accepted += 1
        return .accepted
    }

    func setFault(_ fault: SinkFault) {
        stats.fault = fault
    }

    func snapshot() -> SinkStats {
        stats
    }

    func accepted() -> [SinkRecord] {
        records
    }
}
