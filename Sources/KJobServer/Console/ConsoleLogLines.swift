import KJobStore

/// Turns a run's stored log chunks into whole lines per stream. Chunks are cut wherever the pipe
/// read ended, so a line (or a UTF-8 sequence) can span chunks, with the other stream's chunks in
/// between: each stream's bytes wait here until their line ends, and a line is decoded only then
/// (invalid UTF-8 becomes U+FFFD). Each line records the seq of the chunk that completed it, which
/// is what lets a stream resume after a page without showing a line twice (``Cursor``).
struct ConsoleLogLines: Sendable {
    struct Line: Sendable, Hashable {
        /// `stdout`, `stderr` or `system`.
        var stream: String
        var text: String
        /// The seq of the chunk holding the line's end.
        var completedAt: Int
    }

    /// Where a live log resumes: read chunks after `after`, show only lines completed after `seen`.
    /// Lines still open when it was taken started after `after`, so reading from there rebuilds
    /// them whole; lines that ended by `seen` are already on the page.
    struct Cursor: Sendable, Hashable {
        var after: Int
        var seen: Int

        static let start = Cursor(after: -1, seen: -1)

        /// `after.seen`, e.g. `41.57` (the SSE event id and the page's `?from=`).
        var text: String { "\(after).\(seen)" }

        init(after: Int, seen: Int) {
            self.after = after
            self.seen = seen
        }

        init?(_ text: String?) {
            guard let parts = text?.split(separator: ".", omittingEmptySubsequences: false), parts.count == 2,
                let after = Int(parts[0]), let seen = Int(parts[1]), after >= -1, seen >= after
            else { return nil }
            self.init(after: after, seen: seen)
        }
    }

    /// A longer line is shown in pieces of this size rather than held back.
    static let maxLineBytes = 16 * 1024

    private var open: [String: (start: Int, bytes: [UInt8])] = [:]
    /// The last chunk fed.
    private(set) var lastSeq: Int

    init(after: Int = -1) {
        lastSeq = after
    }

    /// The lines `chunk` completes.
    mutating func feed(_ chunk: StoredLogChunk) -> [Line] {
        lastSeq = max(lastSeq, chunk.seq)
        var lines: [Line] = []
        var current = open.removeValue(forKey: chunk.stream) ?? (chunk.seq, [])
        for byte in chunk.data {
            if byte == 0x0A {
                lines.append(Self.line(chunk.stream, current.bytes, at: chunk.seq))
                current = (chunk.seq, [])
            } else {
                current.bytes.append(byte)
                if current.bytes.count >= Self.maxLineBytes {
                    lines.append(Self.line(chunk.stream, current.bytes, at: chunk.seq))
                    current = (chunk.seq, [])
                }
            }
        }
        if !current.bytes.isEmpty { open[chunk.stream] = current }
        return lines
    }

    /// The lines still open (the run has ended: they never got their newline), oldest first.
    mutating func flush() -> [Line] {
        let lines = open.sorted { $0.value.start < $1.value.start }.map { Self.line($0.key, $0.value.bytes, at: lastSeq) }
        open = [:]
        return lines
    }

    /// Where to resume after the lines returned so far.
    var cursor: Cursor {
        let firstOpen = open.values.map(\.start).min()
        return Cursor(after: firstOpen.map { $0 - 1 } ?? lastSeq, seen: lastSeq)
    }

    /// Control characters other than tab would be invisible or garble the page: shown as U+FFFD
    /// (a trailing CR of a CRLF line is dropped).
    static func line(_ stream: String, _ bytes: [UInt8], at seq: Int) -> Line {
        var text = String(decoding: bytes.last == 0x0D ? bytes.dropLast() : bytes[...], as: UTF8.self)
        if text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) {
            text = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F ? "\u{FFFD}" : $0 }))
        }
        return Line(stream: stream, text: text, completedAt: seq)
    }

    /// `<span class="log-line stdout">…\n</span>`: the text escaped, the newline inside the span so
    /// the log reads as lines with or without the stylesheet.
    static func html(_ lines: some Sequence<Line>) -> HTML {
        HTML.join(
            lines.map { line in
                let stream = ["stdout", "stderr", "system"].contains(line.stream) ? line.stream : "system"
                return "<span class=\"log-line \(stream)\">\(line.text)\n</span>"
            })
    }
}
