import ArgumentParser
import Foundation
import KJobClient
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

    /// `load()` for the commands that start jobs (`run`) or vouch for the config (`check-config`):
    /// also refuses root jobs nobody opted into.
    func loadForJobs() throws -> (DaemonConfig, Logger) {
        let (config, logger) = try load()
        do { try config.checkJobUser(effectiveUID: geteuid()) } catch {
            throw ConfigFailure(message: "config error: \(error)")
        }
        return (config, logger)
    }

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
        let (config, logger) = try options.loadForJobs()
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
        let (config, _) = try options.loadForJobs()
        let lease = config.lease
        print(
            "config ok: node \(config.node.id), schema \(config.postgres.schema), lock_key \(config.postgres.lockKey), "
                + "lease heartbeat \(DurationText.format(lease.heartbeat)) timeout \(DurationText.format(lease.timeout)) "
                + "server_release \(DurationText.format(lease.serverRelease)) (a silent holder is dropped after "
                + "\(DurationText.format(lease.release.effectiveRelease))–\(DurationText.format(lease.release.latestRelease))) "
                + "standby_poll \(DurationText.format(lease.standbyPoll)), pools \(config.postgres.poolSize) + API \(config.postgres.apiPoolSize), "
                + "require_synchronous \(config.postgres.effectiveRequireSynchronous.rawValue)")
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API tokens (straight in the database; recorded in the audit under your OS user).",
        subcommands: [TokenCreate.self, TokenList.self, TokenRevoke.self])
}

struct TokenCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API token; prints it once (only its SHA-256 is stored).",
        discussion: """
            Examples:
              kjobd token create --name ops --role admin
              kjobd token create --name team-a-ci --role operator --tenant team-a --expires 90d
            """)
    @OptionGroup var options: CommonOptions

    @Option(help: "A unique name for the token (letters, digits, - _ . @).")
    var name: String

    @Option(help: "viewer (reads), operator (also runs, enables, disables, cancels) or admin (also writes jobs).")
    var role: String

    @Option(help: "Restrict the token to one tenant's jobs and runs (default: every tenant).")
    var tenant: String?

    @Option(help: "Lifetime, e.g. 90d or 12h (default: never expires).")
    var expires: String?

    func run() async throws {
        let (config, logger) = try options.load()
        do {
            let (token, record) = try await Daemon(config: config, logger: logger)
                .createToken(name: name, role: role, tenant: tenant, expires: expires, actor: TokenIssuer.localActor())
            let expiry = record.expiresAt.map { ", expires \(RFC3339.format($0, offsetSeconds: 0))" } ?? ""
            FileHandle.standardError.write(
                Data("created token \(record.name) (role \(record.role), tenant \(record.tenant ?? "all")\(expiry)); it is shown only now:\n".utf8))
            print(token)
        } catch let error as TokenIssueError {
            FileHandle.standardError.write(Data("kjobd token create: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct TokenList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List API tokens: name, role, tenant, created, last used, expires, revoked (never the token or its hash).")
    @OptionGroup var options: CommonOptions

    @Flag(help: "Print JSON (the shape of GET /v1/tokens).")
    var json = false

    func run() async throws {
        let (config, logger) = try options.load()
        let tokens = try await Daemon(config: config, logger: logger).listTokens()
        func time(_ date: Date?) -> String? { date.map { RFC3339.format($0, offsetSeconds: 0) } }
        if json {
            print(try TokenListBody.json(tokens))
            return
        }
        guard !tokens.isEmpty else {
            print("no tokens")
            return
        }
        var table = TextTable(["NAME", "ROLE", "TENANT", "CREATED", "LAST USED", "EXPIRES", "REVOKED"])
        for token in tokens {
            table.add([
                token.name, token.role, token.tenant ?? "(all)", time(token.createdAt) ?? "-", time(token.lastUsedAt) ?? "-",
                time(token.expiresAt) ?? "-", time(token.revokedAt) ?? "-"
            ])
        }
        print(table.rendered, terminator: "")
    }
}

struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke an API token: every node refuses it from the next request on.",
        discussion: "Example:\n  kjobd token revoke team-a-ci")
    @OptionGroup var options: CommonOptions

    @Argument(help: "The token's name (kjobd token list shows them).")
    var name: String

    func run() async throws {
        let (config, logger) = try options.load()
        switch try await Daemon(config: config, logger: logger).revokeToken(name: name, actor: TokenIssuer.localActor()) {
        case .revoked(let record):
            print("revoked token \(record.name)")
        case .alreadyRevoked(let record):
            print("token \(record.name) was already revoked at \(record.revokedAt.map { RFC3339.format($0, offsetSeconds: 0) } ?? "?")")
        case .notFound:
            FileHandle.standardError.write(Data("kjobd token revoke: no token named \"\(name)\"; kjobd token list shows the tokens\n".utf8))
            throw ExitCode(3)
        }
    }
}
