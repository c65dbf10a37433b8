import ArgumentParser
import Foundation
import KJobRelaySink
import Logging
import ServiceLifecycle

@main
struct RelaySinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kjob-relay-sink",
        abstract: "An HTTPS relay stand-in for development, tests and drills.",
        discussion: """
            Records each accepted POST /v1/dispatch once per Idempotency-Key as a JSON line.
            Faults at runtime: POST /admin/fault {"mode":"status","status":503,"count":3} |
            {"mode":"hang","seconds":30} | {"mode":"close"} | {"mode":"none"}; GET /admin/stats.
            Start with --generate DIR to make a CA, server and client certificates, a token and a secret.
            """
    )

    @Option(help: "Write ca.pem, server.pem, client.pem (+ keys), token and signing-secret into DIR, then exit.")
    var generate: String?
    @Option(help: "PEM server certificate.") var cert: String?
    @Option(help: "PEM server private key.") var key: String?
    @Option(name: .customLong("client-ca"), help: "Require client certificates signed by this PEM CA.") var clientCA: String?
    @Option(help: "Append accepted dispatches to this JSON-lines file.") var out: String?
    @Option(name: .customLong("secret-file"), help: "Verify Standard Webhooks signatures with this whsec_ secret.") var secretFile: String?
    @Option(name: .customLong("token-file"), help: "Require this bearer token.") var tokenFile: String?
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind; 0 picks one and prints it.") var port = 8443

    func run() async throws {
        if let generate {
            let files = try SinkCertificates().generate(into: generate)
            print(
                """
                wrote \(files.caCert) (+ ca-key.pem), \(files.serverCert) (+ server-key.pem) for localhost/127.0.0.1/::1,
                \(files.clientCert) (+ client-key.pem), \(files.token), \(files.signingSecret)
                """)
            return
        }
        guard let cert, let key else {
            throw ValidationError("give --cert and --key (make them with --generate DIR)")
        }
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "kjob.relay-sink")
        let sink = try await RelaySink.bind(
            configuration: RelaySinkConfiguration(
                host: host, port: port, certFile: cert, keyFile: key, clientCAFile: clientCA,
                outFile: out, secretFile: secretFile, tokenFile: tokenFile
            ),
            logger: logger
        )
        // Unbuffered, so a parent reading the first line sees the port at once.
        FileHandle.standardOutput.write(Data("\(sink.port)\n".utf8))
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: sink)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}
