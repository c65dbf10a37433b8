import Foundation
import Testing

@testable import KJobSandbox

@Suite struct FileLogSinkTests {
    @Test func everyByteValueRoundTripsWithStreamsAndOrder() async throws {
        let dir = "/tmp/kjob-log-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sink = try FileLogSink(logDir: dir, job: "job-a", runID: "run-1")
        #expect(sink.path == "\(dir)/job-a/run-1.log")
        let at = Date(timeIntervalSince1970: 1_800_000_000.123)
        let written = [
            LogChunk(seq: 0, stream: .stdout, bytes: (0...255).map(UInt8.init), at: at),
            LogChunk(seq: 1, stream: .stderr, bytes: Array("\n@kjob seq=7 stream=stdout len=3\n".utf8), at: at),
            LogChunk(seq: 2, stream: .system, bytes: [], at: at),
            LogChunk(seq: 3, stream: .stdout, bytes: [0xC3, 0x28, 0xF0, 0x9F, 0x98], at: at)
        ]
        for chunk in written { try await sink.append(chunk) }
        try await sink.finish(LogSummary())
        let read = try LogFileReader.read(path: sink.path)
        #expect(read.map(\.seq) == written.map(\.seq))
        #expect(read.map(\.stream) == written.map(\.stream))
        #expect(read.map(\.bytes) == written.map(\.bytes))
        #expect(abs(read[0].at.timeIntervalSince(at)) < 0.001)
        #expect(throws: SandboxError.self) { try FileLogSink(logDir: dir, job: "job-a", runID: "run-1") }
    }

    @Test func aCutFileIsAnErrorNotACrash() {
        let bytes = Array("@kjob seq=0 stream=stdout at=2026-01-01T00:00:00Z len=10\nabc".utf8)
        #expect(throws: LogFileError.self) { try LogFileReader.parse(bytes) }
        #expect(throws: LogFileError.self) { try LogFileReader.parse(Array("garbage\n".utf8)) }
    }

    @Test func unsafeNamesAreRejected() {
        #expect(throws: SandboxError.self) { try FileLogSink(logDir: "/tmp", job: "../etc", runID: "x") }
    }
}
