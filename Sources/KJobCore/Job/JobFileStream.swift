import Foundation

/// Several TOML job files in one text, as `kjob export` writes them to stdout and `kjob apply -f`
/// reads them: each file starts with a marker line `# --- SLUG`. The marker is a TOML comment, so
/// each part (and a stream of one) is itself a valid job file.
public enum JobFileStream {
    /// One job file cut from a stream.
    public struct Part: Hashable, Sendable {
        /// The marker's slug; nil for text before the first marker.
        public var name: String?
        /// 1-based line of the part's first line in the stream.
        public var line: Int
        /// The part's text, marker line included.
        public var text: String
    }

    public static let markerPrefix = "# --- "

    /// The files joined, each after its marker line.
    public static func join(_ files: [(slug: String, toml: String)]) -> String {
        files.map { file in
            markerPrefix + file.slug + "\n" + file.toml + (file.toml.hasSuffix("\n") || file.toml.isEmpty ? "" : "\n")
        }.joined()
    }

    /// The files of `text`, split at marker lines. A marker inside a multi-line string (a prompt
    /// that quotes one) does not split. Text before the first marker is a part of its own unless
    /// it holds only blank lines and comments; a text without markers is one part.
    public static func split(_ text: String) -> [Part] {
        let lines = text.components(separatedBy: "\n")
        var starts: [Int] = [0]
        var scanner = MultilineScanner()
        for (index, line) in lines.enumerated() {
            if index > 0, !scanner.inString, line.hasPrefix(markerPrefix) { starts.append(index) }
            scanner.scan(line)
        }
        var parts: [Part] = []
        for (n, start) in starts.enumerated() {
            let end = n + 1 < starts.count ? starts[n + 1] : lines.count
            let chunk = lines[start..<end]
            let name = chunk.first.flatMap { $0.hasPrefix(markerPrefix) ? String($0.dropFirst(markerPrefix.count)) : nil }?
                .trimmingCharacters(in: .whitespaces.union(.newlines))
            let meaningful = chunk.contains { line in
                let trimmed = line.trimmingCharacters(in: .whitespaces.union(.newlines))
                return !trimmed.isEmpty && !trimmed.hasPrefix("#")
            }
            guard name != nil || meaningful else { continue }
            parts.append(Part(name: name, line: start + 1, text: chunk.joined(separator: "\n") + (end < lines.count ? "\n" : "")))
        }
        return parts
    }

    /// Tracks whether a line starts inside a TOML multi-line string.
    struct MultilineScanner {
        /// `"` or `'` while inside a multi-line string.
        private var quote: Character?
        var inString: Bool { quote != nil }

        mutating func scan(_ line: String) {
            let chars = Array(line)
            var i = 0
            func triple(_ q: Character) -> Bool { i + 2 < chars.count && chars[i] == q && chars[i + 1] == q && chars[i + 2] == q }
            while i < chars.count {
                if let q = quote {
                    if q == "\"", chars[i] == "\\" {
                        i += 2
                        continue
                    }
                    if triple(q) {
                        i += 3
                        while i < chars.count, chars[i] == q { i += 1 }  // up to two quotes may end the content
                        quote = nil
                        continue
                    }
                    i += 1
                    continue
                }
                let c = chars[i]
                if c == "#" { return }
                if c == "\"" || c == "'" {
                    if triple(c) {
                        quote = c
                        i += 3
                        continue
                    }
                    i += 1
                    while i < chars.count, chars[i] != c {
                        if c == "\"", chars[i] == "\\" { i += 1 }
                        i += 1
                    }
                }
                i += 1
            }
        }
    }
}
