/// Rejects the inputs known to trip an assertion inside toml++ 3.4 (TOMLKit 0.6's parser), which
/// would abort the process in a debug build and be undefined behaviour in a release build.
///
/// Known case: a table header whose first character is not a key (`[.a]`, `[=]`, `[` at the end
/// of a line). The scan follows strings, comments and value brackets, so text inside strings and
/// arrays is never mistaken for a header.
enum TOMLPreflight {
    struct Problem: Error, Hashable, Sendable {
        var message: String
        var line: Int
        var column: Int
    }

    static func check(_ text: String) -> Problem? {
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var lineStart = 0
        var atLineStart = true
        var depth = 0
        var inHeader = false

        func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        func starts(_ pattern: String) -> Bool {
            let needle = Array(pattern.utf8)
            return index + needle.count <= bytes.count && Array(bytes[index..<index + needle.count]) == needle
        }
        func isKeyStart(_ byte: UInt8?) -> Bool {
            guard let byte else { return true }  // end of input: toml++ reports it
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "]"):
                return true
            default:
                return false
            }
        }
        func skipBlanks() { while let byte = at(0), byte == 0x20 || byte == 0x09 { index += 1 } }
        /// Moves past a string starting at `index`, counting newlines inside multi-line ones.
        func skipString() {
            let multi = starts("\"\"\"") || starts("'''")
            let quote = bytes[index]
            let literal = quote == UInt8(ascii: "'")
            index += multi ? 3 : 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x0A {
                    if !multi { return }
                    line += 1
                    lineStart = index + 1
                } else if byte == UInt8(ascii: "\\"), !literal {
                    if at(1) == 0x0A {
                        line += 1
                        lineStart = index + 2
                    }
                    index += 2
                    continue
                } else if byte == quote {
                    if !multi {
                        index += 1
                        return
                    }
                    if starts(literal ? "'''" : "\"\"\"") {
                        index += 3
                        // A closing delimiter may be followed by up to two more quotes.
                        while at(0) == quote { index += 1 }
                        return
                    }
                }
                index += 1
            }
        }

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x0A:
                line += 1
                lineStart = index + 1
                atLineStart = true
                inHeader = false
                index += 1
            case 0x20, 0x09, 0x0D:
                index += 1
            case UInt8(ascii: "#"):
                while let next = at(0), next != 0x0A { index += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                atLineStart = false
                skipString()
            case UInt8(ascii: "["):
                if atLineStart, depth == 0 {
                    let column = index - lineStart + 1
                    index += 1
                    if at(0) == UInt8(ascii: "[") { index += 1 }
                    skipBlanks()
                    guard isKeyStart(at(0)) else {
                        return Problem(message: "a table header must start with a key, e.g. [job]", line: line, column: column)
                    }
                    inHeader = true
                } else {
                    if !inHeader { depth += 1 }
                    index += 1
                }
                atLineStart = false
            case UInt8(ascii: "{"):
                depth += 1
                atLineStart = false
                index += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if !inHeader { depth = max(depth - 1, 0) }
                atLineStart = false
                index += 1
            default:
                atLineStart = false
                index += 1
            }
        }
        return nil
    }
}
