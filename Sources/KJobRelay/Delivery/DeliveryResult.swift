/// What one delivery attempt observed. Facts only; ``DeliveryPolicy`` decides what they mean.
public enum DeliveryResult: Sendable, Hashable {
    /// The relay answered. `retryAfter` is the raw `Retry-After` header; `detail` is the start of
    /// the response body, for `last_error`.
    case response(status: Int, retryAfter: String?, detail: String)
    /// No complete answer within `relay.timeout`.
    case timedOut(String)
    /// Could not connect, or the connection broke before an answer.
    case connectionFailed(String)
    /// The TLS handshake failed. `verification` is true when our side refused the relay's
    /// certificate (untrusted CA, wrong name, expired): a configuration problem, still retried
    /// because the fix is usually made on a live system.
    case tlsFailed(verification: Bool, String)
    /// The request could not be built (e.g. the payload does not encode); retrying cannot help.
    case requestInvalid(String)
}

extension DeliveryResult: CustomStringConvertible {
    /// One line for `last_error`; names the likely fix where there is one.
    public var description: String {
        switch self {
        case .response(let status, let retryAfter, let detail):
            var text = "relay answered HTTP \(status)"
            if let retryAfter { text += " (Retry-After: \(retryAfter))" }
            if !detail.isEmpty { text += ": \(detail)" }
            switch status {
            case 401, 403: text += " — check relay.token_file / relay.signing_secret_file against the relay's"
            case 404: text += " — check relay.url"
            case 300..<400: text += " — redirects are not followed; set relay.url to the final URL"
            default: break
            }
            return text
        case .timedOut(let detail):
            return "relay timed out: \(detail) — the relay did not answer within relay.timeout"
        case .connectionFailed(let detail):
            return "connection to relay failed: \(detail)"
        case .tlsFailed(true, let detail):
            return "TLS certificate verification failed: \(detail) — the relay's certificate is not trusted "
                + "for this host: set relay.ca_file to the CA that signed it, or fix the certificate's names"
        case .tlsFailed(false, let detail):
            return "TLS handshake with relay failed: \(detail) — check relay.client_cert/relay.client_key "
                + "if the relay requires client certificates"
        case .requestInvalid(let detail):
            return "dispatch cannot be sent: \(detail)"
        }
    }
}
