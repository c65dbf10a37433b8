/// Markup built by interpolation, escaped by default: a `String` (or any other value) interpolated
/// into `HTML` is escaped, an `HTML` value is inserted as it is. Every console page is built this
/// way, so a job's slug, prompt or log line can never become markup.
public struct HTML: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var text: String

    /// Markup taken as it is: only for constants written in this module.
    public static func raw(_ text: String) -> HTML {
        var html = HTML(stringLiteral: "")
        html.text = text
        return html
    }

    public init(stringLiteral value: String) {
        text = value
    }

    public init(stringInterpolation: Interpolation) {
        text = stringInterpolation.text
    }

    public var description: String { text }

    public struct Interpolation: StringInterpolationProtocol {
        var text = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        public mutating func appendLiteral(_ literal: String) {
            text += literal
        }

        public mutating func appendInterpolation(_ html: HTML) {
            text += html.text
        }

        public mutating func appendInterpolation(_ parts: [HTML]) {
            for part in parts { text += part.text }
        }

        public mutating func appendInterpolation(_ html: HTML?) {
            if let html { text += html.text }
        }

        public mutating func appendInterpolation(_ value: String) {
            HTML.escape(value, into: &text)
        }

        public mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            HTML.escape(value.description, into: &text)
        }
    }

    /// Escapes for text and for double- or single-quoted attribute values.
    public static func escape(_ value: String, into text: inout String) {
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": text += "&amp;"
            case "<": text += "&lt;"
            case ">": text += "&gt;"
            case "\"": text += "&quot;"
            case "'": text += "&#39;"
            default: text.unicodeScalars.append(scalar)
            }
        }
    }

    public static func escaped(_ value: String) -> String {
        var text = ""
        escape(value, into: &text)
        return text
    }

    /// Joins parts, e.g. the rows of a table.
    public static func join(_ parts: some Sequence<HTML>, separator: HTML = "") -> HTML {
        var result = ""
        var first = true
        for part in parts {
            if !first { result += separator.text }
            result += part.text
            first = false
        }
        return raw(result)
    }

    /// `value` when `condition` holds, else nothing.
    public static func when(_ condition: Bool, _ value: @autoclosure () -> HTML) -> HTML {
        condition ? value() : ""
    }
}
