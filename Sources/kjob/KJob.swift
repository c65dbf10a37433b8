import ArgumentParser
import Foundation

/// The `kjob` command line; each subcommand lives in Commands/.
///
/// Exit codes (DESIGN §10): 0 ok, 1 failure, 2 usage, 3 not found, 4 auth.
@main
struct KJob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kjob",
        abstract: "Scheduler for agentic cron jobs.",
        discussion: """
            Connects to a kjobd node over HTTP(S). --server takes several URLs (comma-separated or
            repeated) and fails over when one cannot be reached. Settings also come from KJOB_SERVER,
            KJOB_TOKEN, KJOB_TENANT, KJOB_CA_FILE or ~/.config/kjob/config.toml.
            Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 authentication or permission.
            """,
        subcommands: [
            CreateCommand.self, ApplyCommand.self, UpdateCommand.self, ListCommand.self, InspectCommand.self, RunNowCommand.self,
            DisableCommand.self, EnableCommand.self, DeleteCommand.self, RestoreCommand.self, RunsCommand.self, LogsCommand.self,
            CancelCommand.self, BackfillCommand.self, UpcomingCommand.self, ExportCommand.self, AuditCommand.self, StatusCommand.self,
            CronCommand.self
        ])

    /// Like the default, but usage errors exit 2 instead of 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
