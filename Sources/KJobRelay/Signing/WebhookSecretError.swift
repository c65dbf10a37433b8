/// Why a signing secret file was refused, with the fix.
public enum WebhookSecretError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingPrefix
    case notBase64
    case wrongLength(Int)

    public var description: String {
        let fix =
            "write whsec_ followed by the base64 of 24-64 random bytes, e.g. the output of "
            + "`printf 'whsec_%s\\n' \"$(head -c 32 /dev/urandom | base64)\"`"
        switch self {
        case .missingPrefix: return "the secret does not start with whsec_; \(fix)"
        case .notBase64: return "the text after whsec_ is not valid base64; \(fix)"
        case .wrongLength(let n): return "the secret decodes to \(n) bytes, not 24-64; \(fix)"
        }
    }
}
