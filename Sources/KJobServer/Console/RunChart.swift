import Foundation
import KJobStore

/// The job page's chart: duration and lateness (started − scheduled) of the last runs, oldest on
/// the left, as an inline SVG. Styled by classes and SVG attributes only (the CSP forbids inline
/// styles); each point's `<title>` is its tooltip.
enum RunChart {
    static let width = 600.0
    static let height = 170.0
    static let left = 52.0, right = 10.0, top = 12.0, bottom = 22.0

    /// `runs` newest first, as the history lists them; runs that never started are left out.
    static func svg(_ runs: [RunRecord], now: Date) -> HTML {
        let started = runs.reversed().filter { $0.startedAt != nil }
        let points = started.map { run -> (run: RunRecord, duration: Double?, lateness: Double) in
            let start = run.startedAt!
            let duration = run.finishedAt.map { max(0, $0.timeIntervalSince(start)) }
            return (run, duration, max(0, start.timeIntervalSince(run.scheduledFor)))
        }
        let label = "Duration and lateness of the last \(points.count) started runs"
        guard !points.isEmpty else {
            return """
                <svg id="chart" class="chart" viewBox="0 0 \(Int(width)) 60" role="img" aria-label="No started runs to chart yet">\
                <text x="\(Int(width / 2))" y="34" text-anchor="middle">No started runs yet</text></svg>
                """
        }
        let peak = max(points.map { max($0.duration ?? 0, $0.lateness) }.max() ?? 0, 1)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        func x(_ index: Int) -> Double {
            points.count == 1 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(points.count - 1)
        }
        func y(_ seconds: Double) -> Double { top + plotHeight * (1 - seconds / peak) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }
        func age(_ seconds: Double) -> String { ConsoleText.age(milliseconds: Int64((seconds * 1000).rounded())) }

        var durationLine: [String] = []
        var latenessLine: [String] = []
        var marks: [HTML] = []
        for (index, point) in points.enumerated() {
            let id = point.run.id.uuidString.lowercased().prefix(8)
            latenessLine.append("\(number(x(index))),\(number(y(point.lateness)))")
            marks.append(
                "<circle class=\"late-pt\" cx=\"\(number(x(index)))\" cy=\"\(number(y(point.lateness)))\" r=\"2.5\"><title>run \(id): started \(age(point.lateness)) late</title></circle>"
            )
            if let duration = point.duration {
                durationLine.append("\(number(x(index))),\(number(y(duration)))")
                marks.append(
                    "<circle class=\"dur-pt\" cx=\"\(number(x(index)))\" cy=\"\(number(y(duration)))\" r=\"3\"><title>run \(id) (\(point.run.status)): took \(age(duration))</title></circle>"
                )
            }
        }
        let bottomY = number(top + plotHeight)
        return """
            <svg id="chart" class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(label)">\
            <line class="axis" x1="\(number(left))" y1="\(number(top))" x2="\(number(left))" y2="\(bottomY)"/>\
            <line class="axis" x1="\(number(left))" y1="\(bottomY)" x2="\(number(width - right))" y2="\(bottomY)"/>\
            <text x="\(number(left - 4))" y="\(number(top + 4))" text-anchor="end">\(age(peak))</text>\
            <text x="\(number(left - 4))" y="\(bottomY)" text-anchor="end">0</text>\
            <text x="\(number(left))" y="\(number(height - 4))">older</text>\
            <text x="\(number(width - right))" y="\(number(height - 4))" text-anchor="end">newest</text>\
            <polyline class="late" points="\(latenessLine.joined(separator: " "))"/>\
            \(HTML.when(durationLine.count > 1, "<polyline class=\"dur\" points=\"\(durationLine.joined(separator: " "))\"/>"))\
            \(marks)\
            <g class="legend"><line class="dur" x1="\(number(width / 2 - 110))" y1="\(number(height - 8))" x2="\(number(width / 2 - 90))" y2="\(number(height - 8))"/>\
            <text x="\(number(width / 2 - 86))" y="\(number(height - 4))">duration</text>\
            <line class="late" x1="\(number(width / 2 + 10))" y1="\(number(height - 8))" x2="\(number(width / 2 + 30))" y2="\(number(height - 8))"/>\
            <text x="\(number(width / 2 + 34))" y="\(number(height - 4))">lateness</text></g></svg>
            """
    }
}
