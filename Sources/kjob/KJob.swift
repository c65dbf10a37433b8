import ArgumentParser

/// The `kjob` command line; each subcommand lives in Commands/.
@main
struct KJob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kjob",
        abstract: "Scheduler for agentic cron jobs.",
        subcommands: [CronCommand.self])
}
