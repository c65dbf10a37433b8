import Crypto
import Foundation

/// Bearer tokens: `kjob_` + 43 base64url characters (256 random bits); stored as SHA-256 only.
public enum APIToken {
    public static let prefix = "kjob_"

    /// A new token from the system's CSPRNG.
    public static func generate() -> String {
        prefix + randomSecret()
    }

    /// 32 bytes from the system's CSPRNG as unpadded base64url: a token's body, and the console's
    /// session ids and CSRF secrets.
    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What is stored and looked up (for console session ids too).
    public static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// Characters of the unpadded base64url encoding of 32 bytes.
    static let encodedLength = 43

    /// Exactly what ``generate()`` makes: the prefix, then 43 base64url characters whose last one
    /// carries no stray bits (32 bytes fill 256 of its 258 bits). Anything else was never issued,
    /// so it is refused without a lookup.
    public static func isWellFormed(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        let prefixBytes = Array(prefix.utf8)
        guard bytes.count == prefixBytes.count + encodedLength, bytes.starts(with: prefixBytes) else { return false }
        var last: UInt8 = 0
        for byte in bytes[prefixBytes.count...] {
            guard let value = base64URLValue(byte) else { return false }
            last = value
        }
        return last & 0b11 == 0
    }

    private static func base64URLValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
