/// A raw config value before it is typed; the common ground of TOML and environment text.
enum ConfigValue: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case strings([String])
}

/// What a key accepts; decides how an environment override is read.
enum ConfigKind: Sendable {
    case string, integer, boolean, duration, size, strings

    var noun: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .boolean: "true or false"
        case .duration: "a duration string such as \"500ms\" or \"4s\""
        case .size: "a size string such as \"10MiB\""
        case .strings: "an array of strings"
        }
    }
}
