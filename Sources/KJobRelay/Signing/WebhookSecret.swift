import Crypto
import Foundation

/// A Standard Webhooks signing secret: `whsec_` followed by the base64 of 24 to 64 random bytes
/// (https://www.standardwebhooks.com). Only the bytes after the prefix are the HMAC key.
public struct WebhookSecret: Sendable {
    public static let prefix = "whsec_"
    /// The HMAC key bytes (kept as `Data`: `SymmetricKey` is not `Sendable`).
    public let keyBytes: Data

    public init(keyBytes: Data) {
        self.keyBytes = keyBytes
    }

    var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// Parses the text of a secret file (surrounding whitespace ignored).
    public init(parsing text: String) throws(WebhookSecretError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.prefix) else {
            throw .missingPrefix
        }
        guard let bytes = Data(base64Encoded: String(trimmed.dropFirst(Self.prefix.count))) else {
            throw .notBase64
        }
        guard (24...64).contains(bytes.count) else {
            throw .wrongLength(bytes.count)
        }
        self.keyBytes = bytes
    }

    /// A new random secret in `whsec_` form, for `kjob-relay-sink --generate` and tests.
    public static func generateText(byteCount: Int = 32) -> String {
        let key = SymmetricKey(size: .init(bitCount: byteCount * 8))
        return prefix + key.withUnsafeBytes { Data($0).base64EncodedString() }
    }
}
