import Foundation
import KJobStore
import Testing

@testable import KJobServer

@Suite("Console: log chunks to lines")
struct ConsoleLogLinesTests {
    static func chunk(_ seq: Int, _ stream: String, _ bytes: [UInt8]) -> StoredLogChunk {
        StoredLogChunk(seq: seq, stream: stream, at: Date(), data: bytes)
    }

    static func chunk(_ seq: Int, _ stream: String, _ text: String) -> StoredLogChunk {
        chunk(seq, stream, Array(text.utf8))
    }

    @Test("a line cut across chunks, with the other stream in between, comes out whole; a UTF-8 sequence cut in two decodes")
    func joinsAcrossChunks() {
        var lines = ConsoleLogLines()
        let euro = Array("€".utf8)
        var out = lines.feed(Self.chunk(0, "stdout", "hel"))
        out += lines.feed(Self.chunk(1, "stderr", "warn\n"))
        out += lines.feed(Self.chunk(2, "stdout", Array("lo ".utf8) + euro.prefix(1)))
        out += lines.feed(Self.chunk(3, "stdout", Array(euro.dropFirst()) + Array("\r\nnext".utf8)))
        #expect(out.map(\.stream) == ["stderr", "stdout"])
        #expect(out.map(\.text) == ["warn", "hello €"])
        #expect(out.map(\.completedAt) == [1, 3])
        #expect(lines.cursor == .init(after: 2, seen: 3), "the open line \"next\" started in chunk 3")
        let rest = lines.flush()
        #expect(rest.map(\.text) == ["next"])
    }

    @Test("invalid UTF-8 and control characters become U+FFFD; markup stays text")
    func replacesAndEscapes() {
        var lines = ConsoleLogLines()
        let out = lines.feed(Self.chunk(0, "stdout", [0x3C, 0x62, 0x3E, 0xFF, 0x1B, 0x09, 0x41, 0x0A]))
        #expect(out.first?.text == "<b>\u{FFFD}\u{FFFD}\tA")
        #expect(ConsoleLogLines.html(out).text == "<span class=\"log-line stdout\">&lt;b&gt;\u{FFFD}\u{FFFD}\tA\n</span>")
    }

    @Test("resuming from a cursor shows every later line once, and none the page showed")
    func resumes() {
        let chunks = [
            Self.chunk(0, "stdout", "a1\na2"), Self.chunk(1, "stderr", "e1"), Self.chunk(2, "stdout", "-end\nb"),
            Self.chunk(3, "stderr", "-end\n"), Self.chunk(4, "stdout", "-end\n")
        ]
        var all = ConsoleLogLines()
        let expected = chunks.flatMap { all.feed($0) }.map(\.text)
        #expect(expected == ["a1", "a2-end", "e1-end", "b-end"])
        for split in 0..<chunks.count {
            var page = ConsoleLogLines()
            let shown = chunks[...split].flatMap { page.feed($0) }
            let cursor = page.cursor
            var follow = ConsoleLogLines(after: cursor.after)
            let later = chunks.filter { $0.seq > cursor.after }.flatMap { follow.feed($0) }.filter { $0.completedAt > cursor.seen }
            #expect((shown + later).map(\.text) == expected, "page up to chunk \(split)")
        }
        #expect(ConsoleLogLines.Cursor("3.5") == .init(after: 3, seen: 5))
        for bad in ["", "3", "5.3", "a.b", "-2.0"] { #expect(ConsoleLogLines.Cursor(bad) == nil, "\(bad)") }
    }
}
