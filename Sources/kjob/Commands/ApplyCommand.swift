import ArgumentParser
import Foundation
import KJobClient

/// `kjob apply -f`: create or replace jobs from files, directories and streams.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Create or replace jobs from job files (PUT = upsert).",
        discussion: """
            -f takes a job file (TOML or JSON), a directory (every *.toml file in it, by name), or - for
            stdin; a TOML file or stream may hold several jobs, each after a line "# --- SLUG" (what
            kjob export prints). With one job, a bad file exits 2 and nothing is sent. With several,
            each is applied on its own and reported, a bad one does not stop the others, and the exit
            status is non-zero when any failed (that failure's code when all share one, else 1).

            Examples:
              kjob apply -f weekly-stack-audit.toml
              kjob apply -f a.toml -f b.toml --json
              kjob apply -f jobs/                  # every jobs/*.toml
              kjob export | kjob apply -f -        # e.g. into another tenant with --tenant
            """)

    @OptionGroup var client: ClientOptions

    @Option(name: [.short, .customLong("file")], help: "A job file (TOML or JSON), a directory of *.toml files, or - for stdin; repeat for several.")
    var files: [String] = []

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one -f FILE or -f DIR") }
    }

    func run() async throws {
        var documents: [JobFile.Document] = []
        var batch = files.count > 1
        for path in files {
            let found = try JobFile.documents(at: path)
            if found.count > 1 || (path != "-" && Self.isDirectory(path)) { batch = true }
            documents += found
        }
        guard batch else {
            let job = try documents[0].file.get()
            try await client.withClient { api in
                let response = try await api.send(.PUT, "/v1/jobs/\(job.spec.slug)", body: job.bytes, contentType: job.contentType)
                if client.json {
                    Output.json(response.json ?? [String: Any]())
                } else {
                    let view = try response.decode(JobView.self)
                    Output.write("\(response.status == 201 ? "created" : "updated") job \(view.slug) (tenant \(view.tenant))\n")
                }
            }
            return
        }
        var failures: [Int32] = []
        var results: [[String: Any]] = []
        try await client.withClient { api in
            for document in documents {
                let job: JobFile
                switch document.file {
                case .success(let parsed): job = parsed
                case .failure(let error):
                    failures.append(2)
                    Output.error(error.message)
                    results.append(["file": document.name, "result": "failed", "error": error.message])
                    continue
                }
                do {
                    let response = try await api.send(.PUT, "/v1/jobs/\(job.spec.slug)", body: job.bytes, contentType: job.contentType)
                    let result = response.status == 201 ? "created" : "updated"
                    if client.json {
                        results.append(["file": document.name, "result": result, "job": response.json ?? [String: Any]()])
                    } else {
                        let view = try response.decode(JobView.self)
                        Output.write("\(result) job \(view.slug) (tenant \(view.tenant)) from \(document.name)\n")
                    }
                } catch let error as ClientError {
                    if case .unreachable = error { throw error }
                    failures.append(error.exitCode)
                    Output.error("\(document.name): \(error.description)")
                    results.append(["file": document.name, "result": "failed", "error": error.description])
                }
            }
        }
        if client.json { Output.json(results) }
        guard failures.isEmpty else {
            Output.error("\(failures.count) of \(documents.count) jobs failed; the others were applied")
            throw ExitCode(Set(failures).count == 1 ? failures[0] : 1)
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
