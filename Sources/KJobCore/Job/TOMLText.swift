/// Writes TOML scalars by hand, so emitted job files keep a readable key order.
enum TOMLText {
    /// A basic string (or a multi-line basic string for text with newlines), escaped per TOML 1.0.
    static func string(_ text: String, multiline: Bool = false) -> String {
        var out = multiline ? "\"\"\"\n" : "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += multiline ? "\n" : "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + (multiline ? "\"\"\"" : "\"")
    }

    /// A bare key when it may be one, else a quoted key.
    static func key(_ key: String) -> String {
        let bare =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy {
                ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_" || $0 == "-"
            }
        return bare ? key : string(key)
    }
}
