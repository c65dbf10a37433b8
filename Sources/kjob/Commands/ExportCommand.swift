import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// `kjob export`: jobs as their TOML job files, for `kjob apply -f` (backups, moving jobs).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write jobs as TOML job files (all of the tenant's, or the slugs given).",
        discussion: """
            Each job is its spec in force, as GET /v1/jobs/{slug} returns it in spec_toml (enabled as
            set by enable/disable); kjob apply -f of the output recreates the same spec. With --dir, each
            job goes to DIR/SLUG.toml (DIR is created; files are replaced). Without it, all go to stdout,
            each after a line "# --- SLUG" (a TOML comment), which kjob apply -f - reads back. Every job
            is fetched before anything is written: an unknown slug exits 3 and writes nothing.
            Without slugs, exports every job of one tenant (--tenant, or default).

            Examples:
              kjob export --dir backup/
              kjob export weekly-stack-audit > weekly-stack-audit.toml
              kjob export | kjob apply -f - --tenant staging
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "Job slugs (default: every job of the tenant).") var slugs: [String] = []
    @Option(help: "Write each job to DIR/SLUG.toml instead of stdout.") var dir: String?

    func validate() throws {
        for slug in slugs { try checkSlug(slug) }
        if let dir, dir.isEmpty { throw ValidationError("--dir needs a directory") }
    }

    func run() async throws {
        try await client.withClient { api in
            let tenant = api.settings.tenant ?? "default"
            var wanted: [String] = []
            for slug in slugs where !wanted.contains(slug) { wanted.append(slug) }
            if slugs.isEmpty { wanted = try await Self.allSlugs(api, tenant: tenant) }
            var files: [(slug: String, toml: String)] = []
            for slug in wanted {
                let job = try await api.send(.GET, "/v1/jobs/\(slug)", query: [("tenant", tenant)]).decode(JobView.self)
                files.append((slug, job.specTOML))
            }
            var written: [[String: Any]] = []
            if let dir {
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    for file in files {
                        let path = (dir as NSString).appendingPathComponent("\(file.slug).toml")
                        try Data(file.toml.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                        written.append(["slug": file.slug, "file": path])
                        if !client.json { Output.write("wrote \(path)\n") }
                    }
                } catch {
                    throw ClientError.failure("cannot write to \(dir): \(error.localizedDescription)")
                }
            } else if !client.json {
                Output.write(JobFileStream.join(files))
            }
            if client.json {
                Output.json(dir == nil ? files.map { ["slug": $0.slug, "spec_toml": $0.toml] } : written)
            } else if files.isEmpty {
                Output.error("tenant \(tenant) has no jobs; nothing exported")
            }
        }
    }

    /// Every slug of the tenant, a page at a time.
    static func allSlugs(_ api: APIClient, tenant: String) async throws -> [String] {
        var slugs: [String] = []
        var after: String?
        repeat {
            var query = [("tenant", tenant), ("limit", "\(APIClient.jobPageLimit)")]
            if let after { query.append(("after", after)) }
            let page = try await api.send(.GET, "/v1/jobs", query: query).decode(JobPage.self)
            slugs += page.jobs.map(\.slug)
            after = page.next
        } while after != nil
        return slugs
    }
}
