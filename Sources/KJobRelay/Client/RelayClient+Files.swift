import Foundation
import NIOSSL

extension RelayClient {
    static func makeTLSConfiguration(_ configuration: RelayConfiguration) throws(RelayConfigurationError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        // Closing a connection to a relay that stopped answering should not wait long for its close_notify.
        tls.shutdownTimeout = .seconds(1)
        if !configuration.caFile.isEmpty {
            let certificates = try loadCertificates(key: "ca_file", path: configuration.caFile)
            tls.trustRoots = .certificates(certificates)
        }
        if !configuration.clientCert.isEmpty {
            let chain = try loadCertificates(key: "client_cert", path: configuration.clientCert)
            tls.certificateChain = chain.map { .certificate($0) }
            try requireReadable(key: "client_key", path: configuration.clientKey)
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: configuration.clientKey, format: .pem))
            } catch {
                throw RelayConfigurationError(
                    key: "client_key", value: configuration.clientKey,
                    reason: "not a PEM private key (\(error)); give the unencrypted PEM key matching relay.client_cert")
            }
        }
        return tls
    }

    static func loadCertificates(key: String, path: String) throws(RelayConfigurationError) -> [NIOSSLCertificate] {
        try requireReadable(key: key, path: path)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw RelayConfigurationError(
                key: key, value: path,
                reason: "not a PEM certificate file (\(error)); give PEM text starting with -----BEGIN CERTIFICATE-----")
        }
        guard !certificates.isEmpty else {
            throw RelayConfigurationError(
                key: key, value: path,
                reason: "holds no certificate; give PEM text starting with -----BEGIN CERTIFICATE-----")
        }
        return certificates
    }

    static func readToken(_ configuration: RelayConfiguration) throws(RelayConfigurationError) -> String? {
        guard !configuration.tokenFile.isEmpty else { return nil }
        let token = try readText(key: "token_file", path: configuration.tokenFile)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, !token.contains(where: { $0.isNewline || $0 == " " }) else {
            throw RelayConfigurationError(
                key: "token_file", value: configuration.tokenFile,
                reason: "must hold one token on one line (no spaces)")
        }
        return token
    }

    static func readSecret(_ configuration: RelayConfiguration) throws(RelayConfigurationError) -> WebhookSecret? {
        guard !configuration.signingSecretFile.isEmpty else { return nil }
        let text = try readText(key: "signing_secret_file", path: configuration.signingSecretFile)
        do {
            return try WebhookSecret(parsing: text)
        } catch {
            throw RelayConfigurationError(
                key: "signing_secret_file", value: configuration.signingSecretFile,
                reason: error.description)
        }
    }

    static func readText(key: String, path: String) throws(RelayConfigurationError) -> String {
        try requireReadable(key: key, path: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RelayConfigurationError(key: key, value: path, reason: "cannot be read; check its permissions")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func requireReadable(key: String, path: String) throws(RelayConfigurationError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RelayConfigurationError(key: key, value: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw RelayConfigurationError(key: key, value: path, reason: "is a directory; give the file's path")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw RelayConfigurationError(key: key, value: path, reason: "cannot be read; check its permissions")
        }
    }
}
