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
            self = .tlsFailed(verification: Self.isVerificationFailure(text), Self.tlsReason(text))
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

    static func isVerificationFailure(_ text: String) -> Bool {
        ["CERTIFICATE_VERIFY_FAILED", "unableToValidateCertificate", "failedToValidateHostname",
         "noCertificateToValidate", "hostname"].contains { text.contains($0) }
    }
}
