import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://` URL as operators write it, turned into PostgresNIO configurations.
///
/// `postgres://user:password@host:port/db?sslmode=disable|prefer|require&host=/socket/dir`.
/// The password never appears in ``redacted``, which is what logs show.
public struct PostgresURL: Sendable, Hashable {
    public enum SSLMode: String, Sendable, Hashable { case disable, prefer, require }

    public var host: String
    public var port: Int
    /// Directory of the server's unix socket; when set, `host` and `port` only name the socket file.
    public var socketDirectory: String?
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    public init(parsing text: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresURLError(message: "expected postgres://user:password@host:port/database")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresURLError(message: "the URL names no user; write postgres://USER@host/database")
        }
        self.user = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        host = components.host ?? "127.0.0.1"
        port = components.port ?? 5432
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? self.user : path
        sslMode = .prefer
        socketDirectory = nil
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: item.value ?? "") else {
                    throw PostgresURLError(message: "sslmode must be disable, prefer or require")
                }
                sslMode = mode
            case "host":
                guard let value = item.value, value.hasPrefix("/") else {
                    throw PostgresURLError(message: "host= in the query must be an absolute socket directory")
                }
                socketDirectory = value
            default:
                throw PostgresURLError(message: "unknown URL parameter \"\(item.name)\"; accepted: sslmode, host")
            }
        }
    }

    /// The URL with the password replaced, safe for logs.
    public var redacted: String {
        let target = socketDirectory.map { "?host=\($0)" } ?? ""
        return "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)\(target)"
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
    public func clientConfiguration(poolSize: Int, applicationName: String,
                                    startupParameters: [(String, String)] = []) throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketPath {
            configuration = .init(unixSocketPath: socketPath, username: user, password: password, database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS = switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
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
