import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://` URL as operators write it, turned into PostgresNIO configurations.
///
/// `postgres://user:password@host:port/db?sslmode=disable|prefer|require&host=/socket/dir`, or
/// several hosts the way libpq takes them, `postgres://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write`:
/// then every connection goes to whichever host is the writable primary (``PrimaryConnector``).
/// The password never appears in ``redacted``, which is what logs show.
public struct PostgresURL: Sendable, Hashable {
    public enum SSLMode: String, Sendable, Hashable { case disable, prefer, require }

    /// libpq's `target_session_attrs` values kjob accepts: it writes, so it always needs the primary.
    public enum TargetSessionAttributes: String, Sendable, Hashable, CaseIterable {
        case readWrite = "read-write"
        case primary
    }

    /// The servers, in the order they are tried.
    public var hosts: [PostgresHost]
    /// Directory of the server's unix socket; when set, `host` and `port` only name the socket file.
    public var socketDirectory: String?
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var targetSessionAttributes: TargetSessionAttributes?

    /// The first (with one host: the only) server.
    public var host: String { hosts[0].host }
    public var port: Int { hosts[0].port }

    /// Connections must find the writable primary: several hosts, or `target_session_attrs` given.
    /// Otherwise kjobd connects to the one host as it always did.
    public var selectsPrimary: Bool { hosts.count > 1 || targetSessionAttributes != nil }

    public init(parsing text: String) throws(PostgresURLError) {
        let shape = "expected postgres://user:password@host:port/database (several hosts: host1:port1,host2:port2)"
        guard let scheme = ["postgres://", "postgresql://"].first(where: { text.hasPrefix($0) }) else {
            throw PostgresURLError(message: shape)
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard let at = rest.lastIndex(of: "@") else {
            throw PostgresURLError(message: "the URL names no user; write postgres://USER@host/database")
        }
        let userInfo = rest[..<at]
        let userText = userInfo.firstIndex(of: ":").map { userInfo[..<$0] } ?? userInfo
        guard !userText.isEmpty else {
            throw PostgresURLError(message: "the URL names no user; write postgres://USER@host/database")
        }
        user = try Self.decoded(userText, what: "user")
        password = nil
        if let colon = userInfo.firstIndex(of: ":") {
            password = try Self.decoded(userInfo[userInfo.index(after: colon)...], what: "password")
        }
        hosts = try Self.hosts(rest[rest.index(after: at)...])
        let name = try Self.decoded(path, what: "database name")
        database = name.isEmpty ? user : name
        sslMode = .prefer
        socketDirectory = nil
        targetSessionAttributes = nil
        for item in query.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decoded(pair[0], what: "parameter name")
            let value = pair.count > 1 ? try Self.decoded(pair[1], what: "value of \(key)") : ""
            switch key {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw PostgresURLError(message: "sslmode must be disable, prefer or require")
                }
                sslMode = mode
            case "host":
                guard value.hasPrefix("/") else {
                    throw PostgresURLError(message: "host= in the query must be an absolute socket directory")
                }
                socketDirectory = value
            case "target_session_attrs":
                guard let attributes = TargetSessionAttributes(rawValue: value) else {
                    throw PostgresURLError(
                        message: "target_session_attrs=\(value) is not supported: kjob writes, so it needs "
                            + "the primary; write target_session_attrs=read-write (or primary)")
                }
                targetSessionAttributes = attributes
            default:
                throw PostgresURLError(message: "unknown URL parameter \"\(key)\"; accepted: sslmode, host, target_session_attrs")
            }
        }
        if socketDirectory != nil, hosts.count > 1 {
            throw PostgresURLError(
                message: "host=\(socketDirectory ?? "") (a unix socket) names one server, but the URL lists "
                    + "\(hosts.count) hosts; connect to several servers over TCP (host1:port1,host2:port2) without host=")
        }
    }

    /// The host list between `@` and the path: `h1:5432,h2:5433,[::1]:5434`; a missing port is 5432.
    static func hosts(_ text: Substring) throws(PostgresURLError) -> [PostgresHost] {
        guard !text.isEmpty else { return [PostgresHost(host: "127.0.0.1", port: 5432)] }
        var hosts: [PostgresHost] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !entry.isEmpty else {
                throw PostgresURLError(
                    message: "the host list \"\(text)\" has an empty entry; separate hosts with single commas, "
                        + "e.g. db1:5432,db2:5432")
            }
            var name = entry
            var portText: Substring?
            if entry.hasPrefix("[") {
                guard let close = entry.firstIndex(of: "]") else {
                    throw PostgresURLError(message: "host \"\(entry)\" opens an IPv6 address with [ but never closes it; write [::1]:5432")
                }
                name = entry[entry.index(after: entry.startIndex)..<close]
                let after = entry[entry.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else {
                        throw PostgresURLError(message: "host \"\(entry)\": expected :PORT after the IPv6 address")
                    }
                    portText = after.dropFirst()
                }
            } else if let colon = entry.firstIndex(of: ":") {
                name = entry[..<colon]
                portText = entry[entry.index(after: colon)...]
                guard !portText!.contains(":") else {
                    throw PostgresURLError(message: "host \"\(entry)\" has several colons; write an IPv6 address in brackets, e.g. [::1]:5432")
                }
            }
            guard !name.isEmpty else {
                throw PostgresURLError(message: "host \"\(entry)\" names no server; write HOST:PORT, e.g. db1:5432")
            }
            var port = 5432
            if let portText {
                guard let value = Int(portText), (1...65535).contains(value) else {
                    throw PostgresURLError(message: "host \"\(entry)\": the port \"\(portText)\" is not a number from 1 to 65535")
                }
                port = value
            }
            let host = PostgresHost(host: try decoded(name, what: "host"), port: port)
            guard !hosts.contains(host) else {
                throw PostgresURLError(message: "host \(host) is listed twice; name each server once")
            }
            hosts.append(host)
        }
        return hosts
    }

    private static func decoded(_ text: Substring, what: String) throws(PostgresURLError) -> String {
        guard let value = String(text).removingPercentEncoding else {
            throw PostgresURLError(message: "the \(what) has a malformed %-escape; escape % as %25")
        }
        return value
    }

    /// The same URL naming only `host` (how a connection to one of several servers is configured).
    public func only(_ host: PostgresHost) -> PostgresURL {
        var url = self
        url.hosts = [host]
        url.targetSessionAttributes = nil
        return url
    }

    /// The URL with the password replaced, safe for logs.
    public var redacted: String {
        var parameters: [String] = []
        if let socketDirectory { parameters.append("host=\(socketDirectory)") }
        if let targetSessionAttributes { parameters.append("target_session_attrs=\(targetSessionAttributes.rawValue)") }
        let query = parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&")
        let hostList = hosts.map(\.description).joined(separator: ",")
        return "postgres://\(user)\(password == nil ? "" : ":***")@\(hostList)/\(database)\(query)"
    }

    var socketPath: String? { socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } }

    func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch sslMode {
        case .disable: return .disable
        case .prefer: return .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    /// Configuration for a dedicated connection; `startupParameters` become session settings.
    public func connectionConfiguration(applicationName: String, startupParameters: [(String, String)] = []) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketPath {
            configuration = .init(unixSocketPath: socketPath, username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: try connectionTLS())
        }
        configuration.options.additionalStartupParameters = [("application_name", applicationName)] + startupParameters
        return configuration
    }

    /// Configuration for a pool; `startupParameters` become session settings of every connection.
    /// With `relay` (a ``PrimaryRouter``'s address) the pool dials that instead of the URL's host.
    public func clientConfiguration(
        poolSize: Int, applicationName: String, startupParameters: [(String, String)] = [],
        relay: PostgresHost? = nil
    ) throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketPath, relay == nil {
            configuration = .init(unixSocketPath: socketPath, username: user, password: password, database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS =
                switch sslMode {
                case .disable: .disable
                case .prefer: .prefer(.makeClientConfiguration())
                case .require: .require(.makeClientConfiguration())
                }
            let target = relay ?? hosts[0]
            configuration = .init(host: target.host, port: target.port, username: user, password: password, database: database, tls: tls)
        }
        configuration.options.maximumConnections = poolSize
        configuration.options.additionalStartupParameters = [("application_name", applicationName)] + startupParameters
        return configuration
    }
}

/// A `postgres.url` that cannot be used.
public struct PostgresURLError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
