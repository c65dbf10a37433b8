import ArgumentParser
import Foundation
import KJobCore
import KJobDaemon
import KJobServer
import Logging

@main
struct KJobD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kjobd",
        abstract: "The kjob scheduler daemon (one of a pair sharing a Postgres lease).",
        subcommands: [Run.self, Migrate.self, CheckConfig.self, Token.self],
        defaultSubcommand: Run.self)
}

struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "TOML config file (KJOBD_<SECTION>_<KEY> variables override it).")
    var config: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (also KJOB_LOG_LEVEL).")
    var logLevel: String?

    func load() throws -> (DaemonConfig, Logger) {
        let level = Logger.Level(rawValue: logLevel ?? ProcessInfo.processInfo.environment["KJOB_LOG_LEVEL"] ?? "info") ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "kjobd")
        do {
            return (try DaemonConfig.load(path: config), logger)
        } catch {
            throw ConfigFailure(message: "config error: \(error)")
        }
    }
}

/// A bad config: printed as `Error: config error: <where>: <what>`, exit status 1.
struct ConfigFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a node: migrate, then contend for the lease and work while active.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let (config, logger) = try options.load()
        try await Daemon(config: config, logger: logger).run()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations and exit.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let (config, logger) = try options.load()
        let applied = try await Daemon(config: config, logger: logger).migrate()
        print(applied.isEmpty ? "schema \(config.postgres.schema) is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate the config (file and KJOBD_* variables) and exit.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let (config, _) = try options.load()
        let lease = config.lease
        print("config ok: node \(config.node.id), schema \(config.postgres.schema), lock_key \(config.postgres.lockKey), "
            + "lease heartbeat \(DurationText.format(lease.heartbeat)) timeout \(DurationText.format(lease.timeout)) "
            + "server_release \(DurationText.format(lease.serverRelease)) (a silent holder is dropped after "
            + "\(DurationText.format(lease.release.effectiveRelease))–\(DurationText.format(lease.release.latestRelease))) "
            + "standby_poll \(DurationText.format(lease.standbyPoll)), pools \(config.postgres.poolSize) + API \(config.postgres.apiPoolSize)")
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API tokens.",
        subcommands: [TokenCreate.self])
}

struct TokenCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API token; prints it once (only its SHA-256 is stored).",
        discussion: """
            Examples:
              kjobd token create --name ops --role admin
              kjobd token create --name team-a-ci --role operator --tenant team-a
            """)
    @OptionGroup var options: CommonOptions

    @Option(help: "A unique name for the token (letters, digits, - _ . @).")
    var name: String

    @Option(help: "viewer (reads), operator (also runs, enables, disables, cancels) or admin (also writes jobs).")
    var role: String

    @Option(help: "Restrict the token to one tenant's jobs and runs (default: every tenant).")
    var tenant: String?

    func run() async throws {
        let (config, logger) = try options.load()
        do {
            let (token, record) = try await Daemon(config: config, logger: logger).createToken(name: name, role: role, tenant: tenant)
            FileHandle.standardError.write(Data("created token \(record.name) (role \(record.role), tenant \(record.tenant ?? "all")); it is shown only now:\n".utf8))
            print(token)
        } catch let error as TokenIssueError {
            FileHandle.standardError.write(Data("kjobd token create: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
