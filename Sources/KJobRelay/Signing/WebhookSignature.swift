import Crypto
import Foundation

/// Standard Webhooks signatures: `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`.
public enum WebhookSignature {
    /// How far `webhook-timestamp` may be from the verifier's clock (the spec's recommendation).
    public static let defaultTolerance: TimeInterval = 5 * 60

    public static func sign(id: String, timestamp: Int64, body: some DataProtocol, secret: WebhookSecret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: signedContent(id: id, timestamp: timestamp, body: body), using: secret.key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Checks a `webhook-signature` header (space-separated `v1,<sig>` entries; one match suffices).
    public static func verify(
        id: String, timestampHeader: String, signatureHeader: String, body: some DataProtocol,
        secret: WebhookSecret, now: Date, tolerance: TimeInterval = defaultTolerance
    ) -> WebhookVerification {
        guard let timestamp = Int64(timestampHeader.trimmingCharacters(in: .whitespaces)) else {
            return .rejected("webhook-timestamp is not an integer")
        }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else {
            return .rejected("webhook-timestamp is more than \(Int(tolerance))s away from now")
        }
        let content = signedContent(id: id, timestamp: timestamp, body: body)
        for entry in signatureHeader.split(separator: " ") {
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let mac = Data(base64Encoded: String(parts[1])) else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: content, using: secret.key) {
                return .valid
            }
        }
        return .rejected("no v1 signature matches")
    }

    static func signedContent(id: String, timestamp: Int64, body: some DataProtocol) -> Data {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        return content
    }
}
