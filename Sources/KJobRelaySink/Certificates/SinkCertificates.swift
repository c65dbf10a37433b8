import Crypto
import Foundation
import KJobRelay
import SwiftASN1
import X509

/// A throwaway PKI for the sink, tests and drills: a CA, a server certificate for the loopback
/// names, a client certificate for mTLS, a bearer token and a signing secret.
///
/// Keys are P-256, certificates valid from an hour ago for a year. Files are written 0600.
public struct SinkCertificates: Sendable {
    /// The files `generate(into:)` writes, by role.
    public struct Files: Sendable, Hashable {
        public var directory: String
        public var caCert: String { directory + "/ca.pem" }
        public var caKey: String { directory + "/ca-key.pem" }
        public var serverCert: String { directory + "/server.pem" }
        public var serverKey: String { directory + "/server-key.pem" }
        public var clientCert: String { directory + "/client.pem" }
        public var clientKey: String { directory + "/client-key.pem" }
        public var token: String { directory + "/token" }
        public var signingSecret: String { directory + "/signing-secret" }

        public init(directory: String) {
            self.directory = directory
        }
    }

    /// Names put in the server certificate's subjectAltName.
    public var serverDNSNames: [String]
    public var serverIPAddresses: [[UInt8]]
    public var commonNamePrefix: String

    public init(
        serverDNSNames: [String] = ["localhost"],
        serverIPAddresses: [[UInt8]] = [[127, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
        commonNamePrefix: String = "kjob relay sink"
    ) {
        self.serverDNSNames = serverDNSNames
        self.serverIPAddresses = serverIPAddresses
        self.commonNamePrefix = commonNamePrefix
    }

    @discardableResult
    public func generate(into directory: String, now: Date = Date()) throws -> Files {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files = Files(directory: directory)
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(365 * 86400)

        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("\(commonNamePrefix) CA") }
        let caPublicKey = Certificate.PublicKey(caKey.publicKey)
        let caCert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: caPublicKey,
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: caPublicKey)
            },
            issuerPrivateKey: .init(caKey)
        )
        let authorityKeyID = AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: caPublicKey).keyIdentifier)

        func leaf(_ commonName: String, usage: ExtendedKeyUsage.Usage, names: [GeneralName]) throws -> (Certificate, P256.Signing.PrivateKey) {
            let key = P256.Signing.PrivateKey()
            let publicKey = Certificate.PublicKey(key.publicKey)
            let certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: publicKey,
                notValidBefore: notBefore, notValidAfter: notAfter,
                issuer: caName, subject: try DistinguishedName { CommonName(commonName) },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([usage])
                    SubjectKeyIdentifier(hash: publicKey)
                    authorityKeyID
                    if !names.isEmpty { SubjectAlternativeNames(names) }
                },
                issuerPrivateKey: .init(caKey)
            )
            return (certificate, key)
        }

        let serverNames =
            serverDNSNames.map { GeneralName.dnsName($0) }
            + serverIPAddresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
        let (serverCert, serverKey) = try leaf("\(commonNamePrefix) server", usage: .serverAuth, names: serverNames)
        let (clientCert, clientKey) = try leaf("\(commonNamePrefix) client", usage: .clientAuth, names: [])

        try write(caCert.serializeAsPEM().pemString, to: files.caCert)
        try write(caKey.pemRepresentation, to: files.caKey)
        try write(serverCert.serializeAsPEM().pemString, to: files.serverCert)
        try write(serverKey.pemRepresentation, to: files.serverKey)
        try write(clientCert.serializeAsPEM().pemString, to: files.clientCert)
        try write(clientKey.pemRepresentation, to: files.clientKey)
        let token = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "-")
        try write(token, to: files.token)
        try write(WebhookSecret.generateText(), to: files.signingSecret)
        return files
    }

    func write(_ text: String, to path: String) throws {
        let data = Data((text.hasSuffix("\n") ? text : text + "\n").utf8)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw SinkError("cannot write \(path); check the directory is writable")
        }
    }
}
