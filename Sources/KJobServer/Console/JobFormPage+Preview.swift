import Foundation
import KJobCore

extension JobFormPage {
    static let previewCount = 10

    /// The live preview: the schedule in words and its next fires, made by `SchedulePreview` (what
    /// `kjob cron --timezone ZONE --count 10 EXPR` prints), so each `li`'s text is one of its lines.
    /// `data-viewer` is the same instant in the viewer's zone; a fire where the job's or the
    /// viewer's UTC offset changes is a `.dst-note` whose `data-note` says so (shown by the CSS,
    /// so the item's text stays the fire).
    static func previewFragment(schedule: String, timezone: String, viewerZone: String, now: Date = Date()) -> HTML {
        let expression = schedule.trimmingCharacters(in: .whitespaces)
        let zoneName = timezone.trimmingCharacters(in: .whitespaces).isEmpty ? JobSpec.defaultTimezone : timezone
        guard !expression.isEmpty else {
            return "<p class=\"muted\" id=\"preview-empty\">Type a schedule, or pick a preset, to see its next fires.</p>"
        }
        let preview: SchedulePreview
        do {
            preview = try SchedulePreview(expression: expression, timezone: zoneName, after: nil, count: previewCount, now: now)
        } catch {
            // The schedule's error reads as `kjob cron` prints it (`hour: value 25 is out of range...`).
            let field = error.field == "--timezone" ? "timezone" : "schedule"
            return
                "<p class=\"field-error\" id=\"preview-error\" data-field=\"\(field)\" role=\"status\">\(field == "timezone" ? "Time zone: \(error.message)" : error.description)</p>"
        }
        let viewer = TimeZone(identifier: viewerZone) ?? TimeZone(identifier: zoneName) ?? .gmt
        let viewerRules = ZoneRules.for(viewer)
        let differs = viewer.identifier != zoneName
        var items: [HTML] = []
        var previous: (job: Int, viewer: Int)?
        for fire in preview.fires {
            guard let stamp = try? RFC3339.parse(fire) else { continue }
            let instant = Int64(stamp.date.timeIntervalSince1970.rounded(.down))
            let offsets = (job: stamp.offsetSeconds, viewer: viewerRules.offset(at: instant))
            var notes: [String] = []
            if let previous, previous.job != offsets.job {
                notes.append("UTC offset of \(zoneName) changes from \(offsetText(previous.job)) to \(offsetText(offsets.job))")
            }
            if differs, let previous, previous.viewer != offsets.viewer {
                notes.append("your zone (\(viewer.identifier)) changes from \(offsetText(previous.viewer)) to \(offsetText(offsets.viewer))")
            }
            previous = offsets
            let viewerText = RFC3339.format(stamp.date, in: viewer)
            let note: HTML = notes.isEmpty ? "" : " class=\"dst-note\" data-note=\"\(notes.joined(separator: "; "))\""
            items.append("<li data-viewer=\"\(viewerText)\"\(note)>\(fire)</li>")
        }
        let heading: HTML =
            differs
            ? "Next \(preview.fires.count) fires in <b>\(zoneName)</b>; after each, the same instant in your zone (<b>\(viewer.identifier)</b>)."
            : "Next \(preview.fires.count) fires in <b>\(zoneName)</b>."
        return """
            <p id="preview-description">\(preview.description)</p>
            <p class="muted">\(preview.fires.isEmpty ? "No fires after now." : heading)</p>
            <ol id="preview-fires" class="fires mono\(HTML.when(differs, " viewer"))">\(items)</ol>
            """
    }

    /// `+01:00`, `-03:30`, `+00:00`.
    static func offsetText(_ seconds: Int) -> String {
        let magnitude = abs(seconds)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(seconds < 0 ? "-" : "+")\(two(magnitude / 3600)):\(two(magnitude / 60 % 60))"
    }
}
