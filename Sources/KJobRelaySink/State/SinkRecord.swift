import KJobCore
import KJobRelay

/// One accepted dispatch, as written to `--out` (one JSON object per line).
public struct SinkRecord: Sendable, Codable, Hashable {
    public var receivedAt: String
    public var idempotencyKey: String
    /// Headers of interest: content-type, user-agent, webhook-id, webhook-timestamp, webhook-signature.
    /// The bearer token is never written; `authenticated` says whether one was checked.
    public var headers: [String: String]
    public var authenticated: Bool
    /// true when a signature was verified; `nil` when the sink has no secret.
    public var signatureVerified: Bool?
    public var body: DispatchPayload

    public init(
        receivedAt: String, idempotencyKey: String, headers: [String: String], authenticated: Bool,
        signatureVerified: Bool?, body: DispatchPayload
    ) {
        self.receivedAt = receivedAt
        self.idempotencyKey = idempotencyKey
        self.headers = headers
        self.authenticated = authenticated
        self.signatureVerified = signatureVerified
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case headers, authenticated, body
        case receivedAt = "received_at"
        case idempotencyKey = "idempotency_key"
        case signatureVerified = "signature_verified"
    }
}
