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

    public var rendered: String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
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
