import Foundation
import Testing

@testable import KJobSandbox

@Suite struct LogCapperTests {
    let t = Date(timeIntervalSince1970: 0)

    @Test func numbersChunksAcrossStreamsInArrivalOrder() {
        var capper = LogCapper(maxBytes: 100, tailBytes: 8)
        let chunks =
            capper.ingest(.stdout, Array("a\n".utf8), at: t) + capper.ingest(.stderr, Array("b\n".utf8), at: t)
            + [capper.note("n", at: t)] + capper.ingest(.stdout, Array("c\n".utf8), at: t)
        #expect(chunks.map(\.seq) == [0, 1, 2, 3])
        #expect(chunks.map(\.stream) == [.stdout, .stderr, .system, .stdout])
        #expect(capper.summary == LogSummary(totalBytes: 6, capturedBytes: 6, discardedBytes: 0, chunks: 4))
        #expect(capper.finish(at: t).isEmpty)
    }

    @Test func capCutsAChunkAddsOneMarkerAndCountsTheRest() {
        var capper = LogCapper(maxBytes: 10, tailBytes: 4)
        let first = capper.ingest(.stdout, [UInt8](repeating: 0x41, count: 6), at: t)
        let second = capper.ingest(.stderr, [UInt8](repeating: 0x42, count: 6), at: t)
        let third = capper.ingest(.stdout, Array("tail".utf8), at: t)
        let closing = capper.finish(at: t)
        #expect(first.count == 1)
        #expect(second.map(\.stream) == [.stderr, .system])
        #expect(second[0].bytes.count == 4)
        #expect(second[1].displayText.contains("truncated"))
        #expect(third.isEmpty)
        #expect(capper.summary.capturedBytes == 10)
        #expect(capper.summary.discardedBytes == 6)
        #expect(capper.summary.totalBytes == 16)
        #expect(closing.count == 1 && closing[0].displayText.contains("6 bytes"))
        #expect(capper.stdoutTail.bytes == Array("tail".utf8))
    }

    @Test func outputExactlyAtTheCapIsNotTruncated() {
        var capper = LogCapper(maxBytes: 4, tailBytes: 0)
        _ = capper.ingest(.stdout, [1, 2, 3, 4], at: t)
        #expect(!capper.isCapped)
        #expect(capper.ingest(.stdout, [5], at: t).map(\.stream) == [.system])
        #expect(capper.isCapped)
    }

    @Test func tailKeepsTheLastBytesInOrder() {
        var tail = OutputTail(capacity: 5)
        tail.append(Array("abc".utf8))
        #expect(tail.bytes == Array("abc".utf8))
        tail.append(Array("defg".utf8))
        #expect(tail.bytes == Array("cdefg".utf8))
        tail.append(Array("0123456789".utf8))
        #expect(tail.bytes == Array("56789".utf8))
        var empty = OutputTail(capacity: 0)
        empty.append([1, 2])
        #expect(empty.bytes.isEmpty)
    }

    @Test func tailMatchesANaiveSuffixForAnySequenceOfWrites() {
        var generator = SystemRandomNumberGenerator()
        for capacity in [1, 7, 64] {
            var tail = OutputTail(capacity: capacity)
            var everything: [UInt8] = []
            for _ in 0..<200 {
                let piece = (0..<Int.random(in: 0...(capacity * 2), using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                tail.append(piece)
                everything += piece
                #expect(tail.bytes == Array(everything.suffix(capacity)))
            }
        }
    }

    @Test func invalidUTF8IsKeptAsBytesAndDisplayedWithReplacement() {
        var capper = LogCapper(maxBytes: 100, tailBytes: 0)
        let bytes: [UInt8] = [0xFF, 0xFE, 0x61, 0xC3]
        let chunk = capper.ingest(.stdout, bytes, at: t)[0]
        #expect(chunk.bytes == bytes)
        #expect(chunk.displayText == "\u{FFFD}\u{FFFD}a\u{FFFD}")
    }

    @Test func outcomeStatusFollowsKillReasonThenExit() {
        #expect(RunOutcome.status(termination: .exited(0), killReason: nil, error: nil) == .succeeded)
        #expect(RunOutcome.status(termination: .exited(1), killReason: nil, error: nil) == .failed)
        #expect(RunOutcome.status(termination: .signaled(9), killReason: nil, error: nil) == .failed)
        #expect(RunOutcome.status(termination: .signaled(15), killReason: .timeout, error: nil) == .timedOut)
        #expect(RunOutcome.status(termination: .exited(0), killReason: .cancelled, error: nil) == .cancelled)
        #expect(RunOutcome.status(termination: nil, killReason: .demoted, error: nil) == .lost)
        #expect(
            RunOutcome.status(
                termination: nil, killReason: nil,
                error: SandboxError(.spawnFailed, "x", fix: "y")) == .failed)
        #expect(ProcessTermination(waitStatus: 3 << 8) == .exited(3))
        #expect(ProcessTermination(waitStatus: 9) == .signaled(9))
    }
}
