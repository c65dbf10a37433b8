import Foundation
import TOMLKit

/// Where the CLI connects and with which token: flags, then `KJOB_SERVER`/`KJOB_TOKEN`/`KJOB_CA_FILE`,
/// then `~/.config/kjob/config.toml` (or `$KJOB_CONFIG`).
///
/// ```toml
/// server = ["http://s.sched-1:7070", "http://s.sched-2:7070"]   # or one string, comma-separated
/// token = "kjob_..."
/// ca_file = "/etc/kjob/ca.pem"
/// tenant = "team-a"
/// ```
public struct ClientSettings: Sendable, Hashable {
    /// Base URLs tried in order; the next is used when one cannot be reached.
    public var servers: [String]
    public var token: String?
    /// PEM CA bundle to verify HTTPS servers (default: system roots).
    public var caFile: String?
    /// Tenant for tokens that are not scoped to one.
    public var tenant: String?
    /// Per-attempt connect timeout.
    public var connectTimeout: Duration = .seconds(3)
    /// Whole-request timeout (not for followed logs).
    public var requestTimeout: Duration = .seconds(30)

    public static let defaultServer = "http://127.0.0.1:7070"

    public init(servers: [String], token: String?, caFile: String? = nil, tenant: String? = nil) {
        self.servers = servers
        self.token = token
        self.caFile = caFile
        self.tenant = tenant
    }

    /// Splits comma-separated entries, trims, adds `http://` where no scheme is given.
    public static func normalize(_ entries: [String]) -> [String] {
        entries.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map { $0.contains("://") ? $0 : "http://\($0)" }
            .map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// Resolves the settings; flags win over the environment, which wins over the file.
    public static func resolve(
        servers flagServers: [String], token flagToken: String?, caFile flagCA: String?, tenant flagTenant: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ClientError) -> ClientSettings {
        let file = try ConfigFile.load(environment: environment)
        var servers = normalize(flagServers)
        if servers.isEmpty, let env = environment["KJOB_SERVER"] { servers = normalize([env]) }
        if servers.isEmpty { servers = normalize(file.servers) }
        if servers.isEmpty { servers = [defaultServer] }
        for server in servers {
            guard let url = URL(string: server), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ClientError.usage("server \"\(server)\" is not an http:// or https:// URL")
            }
        }
        let token = flagToken ?? environment["KJOB_TOKEN"].flatMap { $0.isEmpty ? nil : $0 } ?? file.token
        let caFile = flagCA ?? environment["KJOB_CA_FILE"] ?? file.caFile
        let tenant = flagTenant ?? environment["KJOB_TENANT"] ?? file.tenant
        return ClientSettings(servers: servers, token: token, caFile: caFile, tenant: tenant)
    }

    struct ConfigFile {
        var servers: [String] = []
        var token: String?
        var caFile: String?
        var tenant: String?

        static func load(environment: [String: String]) throws(ClientError) -> ConfigFile {
            let path: String
            if let explicit = environment["KJOB_CONFIG"] {
                path = explicit
            } else if let home = environment["HOME"] {
                path = home + "/.config/kjob/config.toml"
            } else {
                return ConfigFile()
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                if environment["KJOB_CONFIG"] != nil { throw ClientError.usage("config file \(path) cannot be read") }
                return ConfigFile()
            }
            let table: TOMLTable
            do {
                table = try TOMLTable(string: String(decoding: data, as: UTF8.self))
            } catch {
                throw ClientError.usage("config file \(path): \(error)")
            }
            var file = ConfigFile()
            for (key, value) in table {
                switch key {
                case "server", "servers":
                    if let text = value.string {
                        file.servers = [text]
                    } else if let array = value.array {
                        file.servers = array.compactMap { $0.string }
                    } else {
                        throw ClientError.usage("config file \(path): server must be a string or an array of strings")
                    }
                case "token": file.token = value.string
                case "ca_file": file.caFile = value.string
                case "tenant": file.tenant = value.string
                default: throw ClientError.usage("config file \(path): unknown key \(key); known: server, token, ca_file, tenant")
                }
            }
            return file
        }
    }
}
