import Foundation

/// Plain aligned columns for terminals; the last column is not padded.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(_ header: [String]) {
        self.header = header
    }

    public mutating func add(_ row: [String]) {
        rows.append(row)
    }

    /// The widest cell of each column, header included.
    public var widths: [Int] {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return widths
    }

    public var rendered: String {
        rendered(widths: widths, header: true)
    }

    /// The rows (after the header when `header`) padded to `widths`, for a table printed a page
    /// at a time with the first page's widths; a wider cell pushes the rest of its row right.
    public func rendered(widths: [Int], header: Bool) -> String {
        var text = ""
        for row in header ? [self.header] + rows : rows {
            for (index, cell) in row.enumerated() {
                if index > 0 { text += "  " }
                text += cell
                if index < row.count - 1, index < widths.count, cell.count < widths[index] {
                    text += String(repeating: " ", count: widths[index] - cell.count)
                }
            }
            text += "\n"
        }
        return text
    }
}

/// "3m ago", "in 2h", "just now".
public enum RelativeTime {
    public static func describe(_ date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        let seconds = date.timeIntervalSince(now)
        let magnitude = abs(seconds)
        if magnitude < 1 { return "now" }
        let text: String
        switch magnitude {
        case ..<60: text = "\(Int(magnitude))s"
        case ..<3600: text = "\(Int(magnitude / 60))m"
        case ..<86_400: text = "\(Int(magnitude / 3600))h\(Int(magnitude.truncatingRemainder(dividingBy: 3600) / 60))m"
        default: text = "\(Int(magnitude / 86_400))d\(Int(magnitude.truncatingRemainder(dividingBy: 86_400) / 3600))h"
        }
        return seconds < 0 ? "\(text) ago" : "in \(text)"
    }

    public static func milliseconds(_ value: Int64?) -> String {
        guard let value else { return "-" }
        return abs(value) < 1000 ? "\(value)ms" : String(format: "%.1fs", Double(value) / 1000)
    }
}
