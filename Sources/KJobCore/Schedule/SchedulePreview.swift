import Foundation

/// What `kjob cron` prints: a schedule's description and its next fires in a zone, as RFC 3339
/// times carrying the zone's offset at each instant. Pure, so the CLI stays thin.
public struct SchedulePreview: Sendable, Hashable, Codable {
    public var description: String
    public var timezone: String
    public var fires: [String]

    /// Why a preview could not be made; `field` names the bad input.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var field: String
        public var message: String
        public var description: String { "\(field): \(message)" }
    }

    public init(expression: String, timezone: String, after: String?, count: Int, now: Date) throws(Failure) {
        let schedule: Schedule
        do {
            schedule = try Schedule(parsing: expression)
        } catch {
            throw Failure(field: error.field ?? "expression", message: "\(error.message) (in \"\(error.input)\")")
        }
        guard let zone = TimeZone(identifier: timezone) else {
            throw Failure(field: "--timezone", message: "unknown time zone \"\(timezone)\"; use an IANA name such as Europe/Lisbon, America/New_York or UTC")
        }
        var start = now
        if let after {
            do {
                start = try RFC3339.parse(after).date
            } catch {
                throw Failure(field: "--after", message: error.reason)
            }
        }
        guard (1...10_000).contains(count) else {
            throw Failure(field: "--count", message: "\(count) is out of range; use 1-10000")
        }
        self.description = schedule.humanDescription
        self.timezone = timezone
        self.fires = schedule.fires(after: start, in: zone, count: count).map { RFC3339.format($0, in: zone) }
    }

    /// The description, then one fire per line.
    public var text: String {
        ([description] + fires).joined(separator: "\n") + "\n"
    }

    /// `{"description": ..., "fires": [...], "timezone": ...}` with sorted keys.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
