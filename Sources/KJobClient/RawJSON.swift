/// Byte ranges of a JSON document, for passing parts of a response through untouched
/// (`kjob list --json` prints the server's own summaries: re-serializing thousands of
/// objects with sorted keys cost seconds). Expects a document a JSON parser accepted.
public enum RawJSON {
    /// The elements of the array under `key` in the top-level object; nil when there is none.
    public static func arrayElements(_ key: String, in bytes: [UInt8]) -> [ArraySlice<UInt8>]? {
        var index = 0
        let target = Array(key.utf8)
        skipSpace(bytes, &index)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        while true {
            skipSpace(bytes, &index)
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let keyStart = index + 1
            skipValue(bytes, &index)
            let name = bytes[keyStart..<max(keyStart, index - 1)]
            skipSpace(bytes, &index)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpace(bytes, &index)
            guard index < bytes.count else { return nil }
            if name.elementsEqual(target) {
                guard bytes[index] == UInt8(ascii: "[") else { return nil }
                return elements(bytes, from: index)
            }
            skipValue(bytes, &index)
            skipSpace(bytes, &index)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }

    private static func elements(_ bytes: [UInt8], from start: Int) -> [ArraySlice<UInt8>]? {
        var index = start + 1
        var result: [ArraySlice<UInt8>] = []
        skipSpace(bytes, &index)
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { return result }
        while index < bytes.count {
            let elementStart = index
            skipValue(bytes, &index)
            result.append(bytes[elementStart..<index])
            skipSpace(bytes, &index)
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "]") { return result }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
            skipSpace(bytes, &index)
        }
        return nil
    }

    private static func skipSpace(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Past one value: a string, an object or array (to its matching bracket), or a scalar.
    private static func skipValue(_ bytes: [UInt8], _ index: inout Int) {
        var depth = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return }
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth <= 0 {
                    if depth < 0 { index -= 1 }
                    return
                }
            case UInt8(ascii: ","), 0x20, 0x0A, 0x0D, 0x09:
                if depth == 0 {
                    index -= 1
                    return
                }
            default: break
            }
        }
    }
}
