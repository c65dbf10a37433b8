import AsyncHTTPClient
import NIOCore
import NIOSSL

extension DeliveryResult {
    /// Classifies a transport error from AsyncHTTPClient/NIO.
    init(error: any Error, timeout: Duration) {
        let text = String(describing: error)
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .getConnectionFromPoolTimeout:
                self = .timedOut("no answer within \(timeout) (\(error))")
                return
            case .remoteConnectionClosed:
                self = .connectionFailed("the relay closed the connection without answering")
                return
            case .invalidURL, .emptyHost, .emptyScheme:
                self = .requestInvalid("\(error)")
                return
            default:
                break
            }
        }
        if Self.isTLS(error) {
            self = .tlsFailed(verification: Self.isVerificationFailure(error), Self.tlsReason(text))
            return
        }
        if error is CancellationError {
            self = .connectionFailed("cancelled before an answer")
            return
        }
        self = .connectionFailed(text)
    }

    static func isTLS(_ error: any Error) -> Bool {
        error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
    }

    /// BoringSSL's reason code (`CERTIFICATE_VERIFY_FAILED`) rather than its source location.
    static func tlsReason(_ text: String) -> String {
        guard let range = text.range(of: "OPENSSL_internal:") else { return text }
        let reason = text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return reason.isEmpty ? text : String(reason)
    }

    /// `ERR_PACK(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED)`: BoringSSL's code for a chain or
    /// hostname that did not verify.
    static let certificateVerifyFailed: UInt32 = (16 << 24) | 125

    /// The packed BoringSSL code of one stack entry; NIOSSL exposes it only as the first number of
    /// the entry's description (`Error: <code> error:…`).
    static func packedCode(_ error: BoringSSLInternalError) -> UInt32? {
        "\(error)".split(separator: " ").dropFirst().first.flatMap { UInt32($0) }
    }

    /// The peer's certificate (or its name) did not verify, as opposed to any other TLS failure.
    /// BoringSSL checks the chain and the hostname during the handshake and reports both as the
    /// `CERTIFICATE_VERIFY_FAILED` reason on its error stack; NIOSSL's own checks are typed.
    static func isVerificationFailure(_ error: any Error) -> Bool {
        if let error = error as? NIOSSLExtraError {
            return error == .failedToValidateHostname || error == .serverHostnameImpossibleToMatch
        }
        switch error as? NIOSSLError {
        case .unableToValidateCertificate, .noCertificateToValidate:
            return true
        case .handshakeFailed(.sslError(let stack)):
            return stack.contains { packedCode($0) == certificateVerifyFailed }
        default:
            return false
        }
    }
}
