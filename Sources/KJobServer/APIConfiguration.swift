import Foundation

/// What the HTTP API needs from `kjobd`'s `[http]` section and the node.
public struct APIConfiguration: Sendable, Hashable {
    /// Host to bind; `127.0.0.1` by default.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free one (tests).
    public var port: Int = 7070
    /// PEM certificate chain; with `tlsKey` set, the API speaks HTTPS only.
    public var tlsCert: String = ""
    /// PEM private key for `tlsCert`.
    public var tlsKey: String = ""
    /// This node's id, shown in logs and `/healthz`.
    public var nodeID: String = ProcessInfo.processInfo.hostName
    /// Agent names configured on this node; a job naming another is rejected. Empty = not checked.
    public var agents: Set<String> = []
    /// Largest accepted request body; larger ones get 413.
    public var maxBodyBytes: Int = 256 * 1024
    /// A node whose last heartbeat is older than this shows as `down` in `/v1/cluster`.
    public var nodeDownAfter: Duration = .seconds(10)
    /// Longest a `?follow=1` log stream stays open.
    public var maxFollow: Duration = .seconds(3600)
    /// `/readyz` answers 503 when the database has not answered within this.
    public var readyTimeout: Duration = .seconds(2)
    /// How often a followed log polls for new chunks.
    public var followPoll: Duration = .milliseconds(200)
    /// `?follow=1` streams open at once on this node (each polls the database); more get 429.
    public var maxFollowStreams: Int = 32
    /// How long a token lookup's answer (found, revoked or unknown) is reused; a revoked token is
    /// refused within this.
    public var tokenCacheTTL: Duration = .seconds(2)
    /// Token lookups that may wait on the database at once; the others queue.
    public var maxTokenLookups: Int = 2
    /// How long a token lookup queues for its turn before the request gets 503.
    public var tokenLookupWait: Duration = .seconds(2)
    /// The console's CSP `frame-ancestors` source list (`http.frame_ancestors`).
    public var frameAncestors: String = "'none'"
    /// A console session ends after this long without a request (`http.session_idle`).
    public var sessionIdle: Duration = .seconds(30 * 60)

    public init() {}

    public var tlsEnabled: Bool { !tlsCert.isEmpty && !tlsKey.isEmpty }

    /// Parses `host:port` (`[::1]:7070` for IPv6).
    public static func parseListen(_ text: String) throws(APIConfigurationError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":") else {
            throw APIConfigurationError(message: "http.listen \"\(text)\" needs a port: write host:port, e.g. 127.0.0.1:7070")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port), !host.isEmpty else {
            throw APIConfigurationError(message: "http.listen \"\(text)\" is not host:port with a port in 0-65535")
        }
        return (host, port)
    }
}

/// The API cannot start with this configuration.
public struct APIConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
