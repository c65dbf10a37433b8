import Crypto
import Foundation

/// Bearer tokens: `kjob_` + 43 base64url characters (256 random bits); stored as SHA-256 only.
public enum APIToken {
    public static let prefix = "kjob_"

    /// A new token from the system's CSPRNG.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + text
    }

    /// What is stored and looked up.
    public static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// Cheap shape check before touching the database.
    public static func looksValid(_ token: String) -> Bool {
        token.hasPrefix(prefix) && token.utf8.count <= 128 && token.utf8.count > prefix.utf8.count
            && token.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }
}
