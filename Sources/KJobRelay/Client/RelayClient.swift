import AsyncHTTPClient
import Foundation
import KJobCore
import Logging
import NIOCore
import NIOHTTP1

/// Sends dispatches to the relay: one `POST` per ``deliver(_:now:)``, no retries of its own —
/// the dispatcher retries per ``DeliveryPolicy`` so that state survives restarts and failovers.
///
/// Credentials and TLS material are read once, at `init`. Call ``shutdown()`` when done.
public final class RelayClient: Sendable {
    public let configuration: RelayConfiguration
    let httpClient: HTTPClient
    let token: String?
    let secret: WebhookSecret?
    let logger: Logger

    /// Longest response body kept for `last_error`.
    static let detailBytes = 512

    public init(configuration: RelayConfiguration, logger: Logger = Logger(label: "kjob.relay")) throws(RelayConfigurationError) {
        try configuration.validate()
        let tls = try Self.makeTLSConfiguration(configuration)
        self.token = try Self.readToken(configuration)
        self.secret = try Self.readSecret(configuration)
        self.configuration = configuration
        self.logger = logger

        let timeout = TimeAmount.nanoseconds(Int64(configuration.timeout.timeInterval * 1e9))
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: timeout, read: timeout)
        )
        // Fail the attempt on the first connect error; retrying is the dispatcher's job.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.httpVersion = .http1Only
        self.httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }

    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    /// One delivery attempt. Never throws: every outcome is a ``DeliveryResult`` for the policy.
    ///
    /// - Parameter now: the signing time (`webhook-timestamp`).
    public func deliver(_ dispatch: Dispatch, now: Date = Date()) async -> DeliveryResult {
        let body: Data
        do {
            body = try dispatch.payload.jsonData()
        } catch {
            return .requestInvalid("payload does not encode as JSON: \(error)")
        }
        let request = makeRequest(dispatch: dispatch, body: body, now: now)
        let deadline = NIODeadline.now() + .nanoseconds(Int64(configuration.timeout.timeInterval * 1e9))
        do {
            let response = try await httpClient.execute(request, deadline: deadline, logger: logger)
            let detail = await Self.readDetail(response.body)
            let status = Int(response.status.code)
            logger.debug("relay answered", metadata: ["dispatch": "\(dispatch.id)", "status": "\(status)"])
            return .response(status: status, retryAfter: response.headers.first(name: "retry-after"), detail: detail)
        } catch {
            let result = DeliveryResult(error: error, timeout: configuration.timeout)
            logger.debug("relay attempt failed", metadata: ["dispatch": "\(dispatch.id)", "error": "\(result)"])
            return result
        }
    }

    /// The request as sent; separate so tests and the sink can check headers without a socket.
    func makeRequest(dispatch: Dispatch, body: Data, now: Date) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: configuration.url)
        request.method = .POST
        request.headers = Self.headers(dispatchID: dispatch.id, body: body, token: token, secret: secret, now: now)
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    static func headers(dispatchID: String, body: Data, token: String?, secret: WebhookSecret?, now: Date) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "user-agent", value: "kjob-relay/1")
        if let token { headers.add(name: "authorization", value: "Bearer \(token)") }
        headers.add(name: "idempotency-key", value: dispatchID)
        if let secret {
            let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
            headers.add(name: "webhook-id", value: dispatchID)
            headers.add(name: "webhook-timestamp", value: String(timestamp))
            headers.add(
                name: "webhook-signature",
                value: WebhookSignature.sign(id: dispatchID, timestamp: timestamp, body: body, secret: secret))
        }
        return headers
    }

    static func readDetail(_ body: HTTPClientResponse.Body) async -> String {
        var kept = ByteBuffer()
        do {
            for try await var chunk in body where kept.readableBytes < detailBytes {
                if let slice = chunk.readSlice(length: min(chunk.readableBytes, detailBytes - kept.readableBytes)) {
                    var slice = slice
                    kept.writeBuffer(&slice)
                }
            }
        } catch {
            // The status is what matters; a body cut short only shortens the detail.
        }
        let text = String(decoding: kept.readableBytesView, as: UTF8.self)
        return text.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
    }
}
