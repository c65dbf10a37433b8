import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// `kjob audit [SLUG]`: who changed what and when, newest first, every page up to `--limit`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log (newest first): who created, changed, paused, ran, deleted what.",
        discussion: """
            Actions: \(AuditAction.allCases.map(\.rawValue).joined(separator: ", ")).
            The NOTE column holds the entry's note and, for updates, the changed fields (before → after;
            environment values are never shown).

            Examples:
              kjob audit
              kjob audit weekly-stack-audit --since 7d
              kjob audit --action job.disable --limit 20 --json
            """)

    static let pageLimit = 1000

    @OptionGroup var client: ClientOptions
    @Argument(help: "Only this job's entries.") var slug: String?
    @Option(help: "Only this action, e.g. job.update.") var action: String?
    @Option(help: "Only entries at or after this time: RFC 3339, or a duration ago such as 24h or 7d.") var since: String?
    @Option(help: "Show at most N entries (1-100000).") var limit: Int = 50

    func validate() throws {
        if let slug { try checkSlug(slug) }
        if let action, AuditAction(rawValue: action) == nil {
            throw ValidationError("--action \"\(action)\" is not one of \(AuditAction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let since { _ = try Self.parseSince(since, now: Date()) }
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be in 1...100000") }
    }

    /// An RFC 3339 time, or a duration before `now`.
    static func parseSince(_ text: String, now: Date) throws -> Date {
        if let time = try? RFC3339.parse(text) { return time.date }
        if let ago = try? DurationText.parse(text) { return now.addingTimeInterval(-ago.timeInterval) }
        throw ValidationError("--since \"\(text)\" is neither an RFC 3339 time (2026-01-02T03:04:05Z) nor a duration such as 24h")
    }

    func run() async throws {
        var query: [(String, String)] = []
        if let slug { query.append(("job", slug)) }
        if let action { query.append(("action", action)) }
        if let since { query.append(("since", RFC3339.formatUTCMilliseconds(try Self.parseSince(since, now: Date())))) }
        let (json, limit) = (client.json, self.limit)
        try await client.withClient { api in
            // The decoded entries for the table; the server's own objects for --json.
            var entries: [AuditEntryView] = []
            var raw: [Any] = []
            var after: String?
            repeat {
                let size = min(Self.pageLimit, limit - entries.count)
                let response = try await api.send(.GET, "/v1/audit", query: query + [("limit", "\(size)")] + (after.map { [("after", $0)] } ?? []))
                let page = try response.decode(AuditPage.self)
                entries += page.entries
                if json { raw += Output.field(response.json, "entries") as? [Any] ?? [] }
                after = page.next
            } while after != nil && entries.count < limit
            let more = after != nil
            if json {
                Output.json(raw)
                return
            }
            guard !entries.isEmpty else {
                Output.write("no audit entries\n")
                return
            }
            var table = TextTable(["AT", "ACTOR", "ACTION", "JOB", "RUN", "NOTE"])
            for entry in entries {
                table.add([
                    RFC3339.format(entry.at, offsetSeconds: 0), entry.actor, entry.action, entry.job ?? "-",
                    entry.run.map { String($0.prefix(8)) } ?? "-", Self.summary(entry)
                ])
            }
            Output.write(table.rendered)
            if more { Output.error("showing the newest \(entries.count) entries; there are more (raise --limit)") }
        }
    }

    /// The note, then each changed field as `field: before → after`.
    static func summary(_ entry: AuditEntryView) -> String {
        let changes = entry.changes.map { "\($0.field): \($0.from ?? "(none)") → \($0.to ?? "(none)")" }
        let parts = (entry.note.map { [$0] } ?? []) + changes
        return parts.isEmpty ? "-" : parts.joined(separator: "; ").replacingOccurrences(of: "\n", with: " ")
    }
}
