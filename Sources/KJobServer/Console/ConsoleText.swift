import Foundation
import KJobCore

/// How console pages write times, ages and statuses.
enum ConsoleText {
    /// `4s`, `2m 5s`, `3h 12m`, `2d 4h`: the two largest units, enough to read at a glance.
    static func age(milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds) / 1000
        if seconds < 60 { return milliseconds < 1000 ? "\(max(0, milliseconds))ms" : "\(seconds)s" }
        let units: [(Int64, String)] = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")]
        guard let first = units.firstIndex(where: { seconds >= $0.0 }) else { return "\(seconds)s" }
        let (size, suffix) = units[first]
        let (nextSize, nextSuffix) = units[first + 1]
        let rest = (seconds % size) / nextSize
        return rest == 0 ? "\(seconds / size)\(suffix)" : "\(seconds / size)\(suffix) \(rest)\(nextSuffix)"
    }

    /// A `<time>` in UTC; its `datetime` carries the exact instant.
    static func time(_ date: Date?) -> HTML {
        guard let date else { return "<span class=\"muted\">—</span>" }
        let exact = RFC3339.formatUTCMilliseconds(date)
        let shown = RFC3339.format(date, offsetSeconds: 0).replacingOccurrences(of: "T", with: " ")
        return "<time datetime=\"\(exact)\">\(shown)</time>"
    }

    /// A run, node or dispatch status as a coloured mark (the class is the status, from a closed set).
    static func status(_ status: String) -> HTML {
        "<span class=\"status s-\(status)\">\(status)</span>"
    }

    /// A run's short id (the first 8 hex digits), linked to its page.
    static func runLink(_ id: UUID) -> HTML {
        let text = id.uuidString.lowercased()
        return "<a href=\"/ui/runs/\(text)\" class=\"mono\">\(text.prefix(8))</a>"
    }
}
