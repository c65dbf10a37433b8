import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The CLI's HTTP client: bearer auth, problem+json errors, and failover across `servers`.
///
/// A request goes to the first server; when it cannot be reached (connection refused, DNS,
/// connect timeout, TLS handshake), the next one is tried. A server that answers, with any
/// status, is final. POSTs and PATCHes fail over only on connect-phase errors, so a run-now is not sent twice.
public final class APIClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var server: String

        public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }

        public func decode<T: Decodable>(_ type: T.Type) throws(ClientError) -> T {
            do {
                return try APIDecoding.decoder.decode(T.self, from: Data(body))
            } catch {
                throw ClientError.failure("unexpected response from \(server): \(error)")
            }
        }
    }

    public let settings: ClientSettings
    private let http: HTTPClient

    public init(settings: ClientSettings) throws(ClientError) {
        self.settings = settings
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(settings.connectTimeout.milliseconds), read: nil)
        if let caFile = settings.caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw ClientError.usage("cannot read CA file \(caFile): \(error)")
            }
            configuration.tlsConfiguration = tls
        }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends a request, failing over between servers; throws ``ClientError/http(status:problem:)`` for 4xx/5xx.
    public func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        contentType: String? = nil, headers: [(String, String)] = []
    ) async throws(ClientError) -> Response {
        let (response, server) = try await execute(
            method, path, query: query, body: body, contentType: contentType,
            headers: headers, timeout: settings.requestTimeout)
        do {
            let bytes = try await response.body.collect(upTo: 64 << 20)
            let result = Response(status: Int(response.status.code), body: Array(bytes.readableBytesView), server: server)
            try Self.check(result)
            return result
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError.failure("reading the response from \(server) failed: \(error)")
        }
    }

    /// Streams a response body (followed logs) to `sink` as it arrives.
    public func stream(_ path: String, query: [(String, String)], sink: @Sendable ([UInt8]) -> Void) async throws(ClientError) {
        let (response, server) = try await execute(.GET, path, query: query, body: nil, contentType: nil, headers: [], timeout: .seconds(7 * 86_400))
        do {
            if response.status.code >= 400 {
                let bytes = try await response.body.collect(upTo: 1 << 20)
                try Self.check(Response(status: Int(response.status.code), body: Array(bytes.readableBytesView), server: server))
            }
            for try await buffer in response.body {
                sink(Array(buffer.readableBytesView))
            }
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError.failure("the stream from \(server) broke: \(error)")
        }
    }

    static func check(_ response: Response) throws(ClientError) {
        guard response.status >= 400 else { return }
        let problem =
            (try? JSONDecoder().decode(ProblemDetails.self, from: Data(response.body)))
            ?? ProblemDetails(title: "HTTP \(response.status)", detail: String(decoding: response.body.prefix(500), as: UTF8.self))
        throw ClientError.http(status: response.status, problem: problem)
    }

    private func execute(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], body: [UInt8]?, contentType: String?,
        headers: [(String, String)], timeout: Duration
    ) async throws(ClientError) -> (HTTPClientResponse, String) {
        var attempts: [String] = []
        var items = query
        if let tenant = settings.tenant, !items.contains(where: { $0.0 == "tenant" }) { items.append(("tenant", tenant)) }
        for server in settings.servers {
            var components = URLComponents(string: server + path)
            if !items.isEmpty { components?.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) } }
            guard let url = components?.string else { throw ClientError.usage("cannot build a URL from \(server) and \(path)") }
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Accept", value: "application/json, application/problem+json, text/plain")
            request.headers.add(name: "User-Agent", value: "kjob-cli")
            if let token = settings.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body {
                request.body = .bytes(ByteBuffer(bytes: body))
                request.headers.add(name: "Content-Type", value: contentType ?? "application/json")
            }
            do {
                let response = try await http.execute(request, timeout: .milliseconds(timeout.milliseconds))
                return (response, server)
            } catch {
                attempts.append("\(server): \(Self.describe(error))")
                guard (method != .POST && method != .PATCH) || Self.isConnectError(error) else {
                    throw ClientError.failure(
                        "\(server) did not answer the \(method) \(path) (\(Self.describe(error))); it may have been applied — check before retrying")
                }
            }
        }
        throw ClientError.unreachable(attempts)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return error.description }
        return String(describing: error)
    }

    /// Errors that prove the request never reached the server: the connection was never made
    /// (refused, unreachable, unresolved, timed out connecting) or its TLS handshake failed.
    static func isConnectError(_ error: any Error) -> Bool {
        switch error {
        case is NIOConnectionError, is NIOSSLError, is NIOSSLExtraError:
            return true
        case let error as HTTPClientError:
            return error == .connectTimeout || error == .getConnectionFromPoolTimeout
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return false
        case let error as IOError:
            return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode)
        default:
            return false
        }
    }
}
