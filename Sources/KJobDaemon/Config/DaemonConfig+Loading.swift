import Foundation
import KJobCore
import KJobStore
import TOMLKit

extension DaemonConfig {
    /// Keys by section, with what each accepts. The single list both TOML and env go through.
    static let schema: [String: [String: ConfigKind]] = [
        "node": ["id": .string],
        "postgres": [
            "url": .string, "pool_size": .integer, "api_pool_size": .integer, "lock_key": .integer, "schema": .string,
            "require_synchronous": .string
        ],
        "lease": ["heartbeat": .duration, "timeout": .duration, "server_release": .duration, "standby_poll": .duration],
        "http": [
            "listen": .string, "tls_cert": .string, "tls_key": .string, "public_url": .string, "max_follow_streams": .integer,
            "frame_ancestors": .string, "session_idle": .duration
        ],
        "executor": [
            "max_parallel": .integer, "log_dir": .string, "max_log_bytes": .size,
            "kill_grace": .duration, "run_as": .string, "allow_root_jobs": .boolean, "work_dir": .string
        ],
        "relay": [
            "url": .string, "ca_file": .string, "client_cert": .string, "client_key": .string,
            "token_file": .string, "signing_secret_file": .string, "timeout": .duration, "max_age": .duration
        ],
        "retention": ["keep_runs": .integer, "max_age": .duration, "interval": .duration, "audit": .duration],
        "dispatch": ["batch_size": .integer]
    ]
    static let agentKeys: [String: ConfigKind] = ["command": .strings]

    /// Reads `path` (nil: defaults only), applies `KJOBD_*` from `environment`, validates.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(DaemonConfigError) -> DaemonConfig {
        var text = ""
        if let path {
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw DaemonConfigError(
                    location: path, message: "cannot read the config file (\(error.localizedDescription)); check the path given to --config")
            }
        }
        return try parse(toml: text, source: path ?? "<defaults>", environment: environment)
    }

    /// Parses TOML text, applies `KJOBD_*` overrides and validates.
    public static func parse(toml text: String, source: String = "<config>", environment: [String: String] = [:]) throws(DaemonConfigError) -> DaemonConfig {
        var sections = try readTOML(text, source: source)
        try applyEnvironment(environment, to: &sections)
        var config = DaemonConfig()
        config.sourceTOML = text
        try config.apply(sections)
        try config.validate()
        return config
    }

    // MARK: - TOML

    static func readTOML(_ text: String, source: String) throws(DaemonConfigError) -> [String: [String: ConfigValue]] {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw DaemonConfigError(location: "\(source) line \(error.source.begin.line)", message: "invalid TOML: \(error.description)")
        } catch {
            throw DaemonConfigError(location: source, message: "invalid TOML: \(error)")
        }
        var sections: [String: [String: ConfigValue]] = [:]
        for section in table.keys.sorted() {
            guard let sectionTable = table[section]?.table else {
                throw DaemonConfigError(location: section, message: "expected a [\(section)] table; top-level keys are not allowed")
            }
            if passThroughSections.contains(section) { continue }
            if section == "agents" {
                for agent in sectionTable.keys.sorted() {
                    guard let agentTable = sectionTable[agent]?.table else {
                        throw DaemonConfigError(location: "agents.\(agent)", message: "expected a table such as [agents.\(agent)] with command = [...]")
                    }
                    sections["agents.\(agent)"] = try readKeys(agentTable, section: "agents.\(agent)", allowed: agentKeys)
                }
                continue
            }
            guard let allowed = schema[section] else {
                throw DaemonConfigError(location: "[\(section)]", message: "unknown section; expected one of \(knownSections)")
            }
            sections[section] = try readKeys(sectionTable, section: section, allowed: allowed)
        }
        return sections
    }

    static var knownSections: String { (schema.keys.sorted() + passThroughSections + ["agents.<name>"]).joined(separator: ", ") }

    /// Sections another module validates itself from ``DaemonConfig/sourceTOML`` (file only, no
    /// `KJOBD_*` overrides): `[sandbox]` belongs to KJobSandbox's SandboxConfiguration.
    static let passThroughSections = ["sandbox"]

    static func readKeys(_ table: TOMLTable, section: String, allowed: [String: ConfigKind]) throws(DaemonConfigError) -> [String: ConfigValue] {
        var values: [String: ConfigValue] = [:]
        for key in table.keys {
            let location = "\(section).\(key)"
            guard let kind = allowed[key] else {
                throw DaemonConfigError(location: location, message: "unknown key; [\(section)] accepts \(allowed.keys.sorted().joined(separator: ", "))")
            }
            guard let raw = table[key] else { continue }
            switch kind {
            case .string, .duration, .size:
                guard let string = raw.string else {
                    throw DaemonConfigError(location: location, message: "expected \(kind.noun)")
                }
                values[key] = .string(string)
            case .integer:
                guard let int = raw.int else { throw DaemonConfigError(location: location, message: "expected \(kind.noun)") }
                values[key] = .integer(int)
            case .boolean:
                guard let bool = raw.bool else { throw DaemonConfigError(location: location, message: "expected \(kind.noun)") }
                values[key] = .boolean(bool)
            case .strings:
                guard let array = raw.array else { throw DaemonConfigError(location: location, message: "expected \(kind.noun)") }
                var strings: [String] = []
                for element in array {
                    guard let string = element.string else {
                        throw DaemonConfigError(location: location, message: "expected \(kind.noun); found a non-string element")
                    }
                    strings.append(string)
                }
                values[key] = .strings(strings)
            }
        }
        return values
    }

    // MARK: - Environment

    static func applyEnvironment(_ environment: [String: String], to sections: inout [String: [String: ConfigValue]]) throws(DaemonConfigError) {
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("KJOBD_") {
            let location = "env \(name)"
            let rest = name.dropFirst("KJOBD_".count).lowercased()
            if rest.hasPrefix("sandbox_") {
                let key = String(rest.dropFirst("sandbox_".count))
                if executorOwnedSandboxKeys.contains(key) {
                    throw DaemonConfigError(location: location, message: "\(key) belongs to [executor]; use KJOBD_EXECUTOR_\(key.uppercased())")
                }
                throw DaemonConfigError(location: location, message: "[sandbox] keys are read from the config file only; set sandbox.\(key) there")
            }
            if rest.hasPrefix("agents_") {
                let agentAndKey = rest.dropFirst("agents_".count)
                guard agentAndKey.hasSuffix("_command"), agentAndKey.count > "_command".count else {
                    throw DaemonConfigError(location: location, message: "expected KJOBD_AGENTS_<NAME>_COMMAND")
                }
                let agent = String(agentAndKey.dropLast("_command".count))
                sections["agents.\(agent)", default: [:]]["command"] = try envValue(value, kind: .strings, location: location)
                continue
            }
            guard let section = schema.keys.first(where: { rest.hasPrefix($0 + "_") }) else {
                throw DaemonConfigError(location: location, message: "unknown section; expected KJOBD_<SECTION>_<KEY> with a section of \(knownSections)")
            }
            let key = String(rest.dropFirst(section.count + 1))
            guard let kind = schema[section]?[key] else {
                throw DaemonConfigError(
                    location: location, message: "unknown key \"\(key)\" in [\(section)]; accepted: \(schema[section]!.keys.sorted().joined(separator: ", "))")
            }
            sections[section, default: [:]][key] = try envValue(value, kind: kind, location: location)
        }
    }

    static func envValue(_ text: String, kind: ConfigKind, location: String) throws(DaemonConfigError) -> ConfigValue {
        switch kind {
        case .string, .duration, .size:
            return .string(text)
        case .integer:
            guard let int = Int(text) else { throw DaemonConfigError(location: location, message: "expected \(kind.noun), got \"\(text)\"") }
            return .integer(int)
        case .boolean:
            guard let bool = Bool(text) else { throw DaemonConfigError(location: location, message: "expected \(kind.noun), got \"\(text)\"") }
            return .boolean(bool)
        case .strings:
            let table: TOMLTable
            do {
                table = try TOMLTable(string: "v = \(text)")
            } catch {
                throw DaemonConfigError(location: location, message: "expected a TOML array of strings such as [\"kode\", \"{prompt}\"]")
            }
            guard let array = table["v"]?.array else {
                throw DaemonConfigError(location: location, message: "expected a TOML array of strings such as [\"kode\", \"{prompt}\"]")
            }
            var strings: [String] = []
            for element in array {
                guard let string = element.string else {
                    throw DaemonConfigError(location: location, message: "expected an array of strings; found a non-string element")
                }
                strings.append(string)
            }
            return .strings(strings)
        }
    }

    // MARK: - Typing

    mutating func apply(_ sections: [String: [String: ConfigValue]]) throws(DaemonConfigError) {
        for (section, values) in sections {
            for (key, value) in values {
                try apply(section: section, key: key, value: value)
            }
        }
    }

    mutating func apply(section: String, key: String, value: ConfigValue) throws(DaemonConfigError) {
        let location = "\(section).\(key)"
        func string() throws(DaemonConfigError) -> String {
            guard case .string(let string) = value else { throw DaemonConfigError(location: location, message: "expected a string") }
            return string
        }
        func integer() throws(DaemonConfigError) -> Int {
            guard case .integer(let int) = value else { throw DaemonConfigError(location: location, message: "expected an integer") }
            return int
        }
        func boolean() throws(DaemonConfigError) -> Bool {
            guard case .boolean(let bool) = value else { throw DaemonConfigError(location: location, message: "expected true or false") }
            return bool
        }
        func duration() throws(DaemonConfigError) -> Duration {
            let text = try string()
            do { return try DurationText.parse(text) } catch {
                throw DaemonConfigError(location: location, message: error.description)
            }
        }
        func size() throws(DaemonConfigError) -> Int64 {
            let text = try string()
            do { return try ByteSizeText.parse(text) } catch {
                throw DaemonConfigError(location: location, message: error.description)
            }
        }
        if section.hasPrefix("agents.") {
            guard case .strings(let command) = value else { throw DaemonConfigError(location: location, message: "expected an array of strings") }
            agents[String(section.dropFirst("agents.".count))] = AgentConfig(command: command)
            return
        }
        switch (section, key) {
        case ("node", "id"): node.id = try string()
        case ("postgres", "url"): postgres.url = try string()
        case ("postgres", "pool_size"): postgres.poolSize = try integer()
        case ("postgres", "api_pool_size"): postgres.apiPoolSize = try integer()
        case ("postgres", "lock_key"): postgres.lockKey = Int64(try integer())
        case ("postgres", "schema"): postgres.schema = try string()
        case ("postgres", "require_synchronous"):
            let text = try string()
            guard let requirement = ReplicationRequirement(rawValue: text) else {
                throw DaemonConfigError(
                    location: location,
                    message: "\"\(text)\" is not one of refuse, warn, off "
                        + "(leave it unset for refuse with several hosts in postgres.url, off with one)")
            }
            postgres.requireSynchronous = requirement
        case ("lease", "heartbeat"): lease.heartbeat = try duration()
        case ("lease", "timeout"): lease.timeout = try duration()
        case ("lease", "server_release"): lease.serverRelease = try duration()
        case ("lease", "standby_poll"): lease.standbyPoll = try duration()
        case ("http", "listen"): http.listen = try string()
        case ("http", "tls_cert"): http.tlsCert = try string()
        case ("http", "tls_key"): http.tlsKey = try string()
        case ("http", "public_url"): http.publicURL = try string()
        case ("http", "max_follow_streams"): http.maxFollowStreams = try integer()
        case ("http", "frame_ancestors"): http.frameAncestors = try string()
        case ("http", "session_idle"): http.sessionIdle = try duration()
        case ("executor", "max_parallel"): executor.maxParallel = try integer()
        case ("executor", "log_dir"): executor.logDir = try string()
        case ("executor", "max_log_bytes"): executor.maxLogBytes = try size()
        case ("executor", "kill_grace"): executor.killGrace = try duration()
        case ("executor", "run_as"): executor.runAs = try string()
        case ("executor", "allow_root_jobs"): executor.allowRootJobs = try boolean()
        case ("executor", "work_dir"): executor.workDir = try string()
        case ("relay", "url"): relay.url = try string()
        case ("relay", "ca_file"): relay.caFile = try string()
        case ("relay", "client_cert"): relay.clientCert = try string()
        case ("relay", "client_key"): relay.clientKey = try string()
        case ("relay", "token_file"): relay.tokenFile = try string()
        case ("relay", "signing_secret_file"): relay.signingSecretFile = try string()
        case ("relay", "timeout"): relay.timeout = try duration()
        case ("relay", "max_age"): relay.maxAge = try duration()
        case ("retention", "keep_runs"): retention.keepRuns = try integer()
        case ("retention", "max_age"): retention.maxAge = try duration()
        case ("retention", "interval"): retention.interval = try duration()
        case ("retention", "audit"): retention.audit = try duration()
        case ("dispatch", "batch_size"): dispatch.batchSize = try integer()
        default: throw DaemonConfigError(location: location, message: "unknown key")
        }
    }

    // MARK: - Validation

    /// Cross-field rules; each error says which values to change.
    public func validate() throws(DaemonConfigError) {
        guard !node.id.isEmpty else { throw DaemonConfigError(location: "node.id", message: "must not be empty") }
        guard postgres.poolSize >= 1 else { throw DaemonConfigError(location: "postgres.pool_size", message: "must be at least 1") }
        guard postgres.apiPoolSize >= 1 else {
            throw DaemonConfigError(location: "postgres.api_pool_size", message: "must be at least 1, e.g. 4")
        }
        guard http.maxFollowStreams >= 1 else {
            throw DaemonConfigError(location: "http.max_follow_streams", message: "must be at least 1, e.g. 32")
        }
        guard http.sessionIdle >= .seconds(60) else {
            throw DaemonConfigError(location: "http.session_idle", message: "must be at least 1m, e.g. 30m")
        }
        guard http.frameAncestors.rangeOfCharacter(from: CharacterSet(charactersIn: ";,\r\n\"")) == nil,
            !http.frameAncestors.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            throw DaemonConfigError(
                location: "http.frame_ancestors",
                message: "must be a CSP source list such as 'none', 'self' or https://console.example.com (no ';', ',' or quotes other than around keywords)")
        }
        guard postgres.schema.range(of: "^[a-z_][a-z0-9_]{0,40}$", options: .regularExpression) != nil else {
            throw DaemonConfigError(
                location: "postgres.schema", message: "\"\(postgres.schema)\" is not a plain lower-case identifier (a-z, 0-9, _; at most 41 characters)")
        }
        do { _ = try PostgresURL(parsing: postgres.url) } catch {
            throw DaemonConfigError(location: "postgres.url", message: error.description)
        }
        guard lease.heartbeat > .zero else { throw DaemonConfigError(location: "lease.heartbeat", message: "must be positive") }
        guard lease.standbyPoll > .zero else { throw DaemonConfigError(location: "lease.standby_poll", message: "must be positive") }
        guard lease.heartbeat < lease.timeout else {
            throw DaemonConfigError(
                location: "lease.heartbeat",
                message:
                    "heartbeat (\(DurationText.format(lease.heartbeat))) must be shorter than timeout (\(DurationText.format(lease.timeout))); several heartbeats must fit in one timeout"
            )
        }
        try validateRelease()
        guard executor.maxParallel >= 1 else { throw DaemonConfigError(location: "executor.max_parallel", message: "must be at least 1") }
        guard executor.maxLogBytes >= 1024 else { throw DaemonConfigError(location: "executor.max_log_bytes", message: "must be at least 1KiB") }
        try validateExecutor()
        guard retention.keepRuns >= 0 else { throw DaemonConfigError(location: "retention.keep_runs", message: "must not be negative") }
        guard retention.interval >= .seconds(1) else {
            throw DaemonConfigError(location: "retention.interval", message: "must be at least 1s, e.g. \"5m\"")
        }
        guard retention.audit >= .seconds(86_400) else {
            throw DaemonConfigError(location: "retention.audit", message: "must be at least 1d, e.g. \"365d\"")
        }
        guard (1...1000).contains(dispatch.batchSize) else {
            throw DaemonConfigError(location: "dispatch.batch_size", message: "must be between 1 and 1000, e.g. 8")
        }
        for (name, agent) in agents {
            guard name.range(of: "^[a-z0-9_-]{1,63}$", options: .regularExpression) != nil else {
                throw DaemonConfigError(location: "agents.\(name)", message: "agent names use a-z, 0-9, '-' and '_'")
            }
            guard let first = agent.command.first, !first.isEmpty else {
                throw DaemonConfigError(
                    location: "agents.\(name).command", message: "must name a program, e.g. command = [\"kode\", \"--print\", \"{prompt}\"]")
            }
        }
    }
}
