import Foundation
import KJobRelay
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// An HTTPS relay stand-in: accepts `POST /v1/dispatch`, records each Idempotency-Key once, and
/// misbehaves on request (``SinkFault``). Bind with ``bind(configuration:logger:)``, then `run()`
/// serves until cancelled or graceful shutdown.
public final class RelaySink: Service, Sendable {
    public let configuration: RelaySinkConfiguration
    /// The bound port (the real one when configured with port 0).
    public let port: Int
    let serverChannel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    let handler: SinkRequestHandler
    let ledger: SinkLedger
    let logger: Logger

    init(
        configuration: RelaySinkConfiguration, port: Int,
        serverChannel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>,
        handler: SinkRequestHandler, ledger: SinkLedger, logger: Logger
    ) {
        self.configuration = configuration
        self.port = port
        self.serverChannel = serverChannel
        self.handler = handler
        self.ledger = ledger
        self.logger = logger
    }

    public static func bind(configuration: RelaySinkConfiguration, logger: Logger = Logger(label: "kjob.relay-sink")) async throws -> RelaySink {
        let tls = try makeTLSConfiguration(configuration)
        let sslContext: NIOSSLContext
        do {
            sslContext = try NIOSSLContext(configuration: tls)
        } catch {
            throw SinkError(
                "cannot use --cert \(configuration.certFile) / --key \(configuration.keyFile): \(error); "
                    + "check the key matches the certificate")
        }
        let token = try configuration.tokenFile.map { try readTrimmed("--token-file", $0) }
        let secret = try configuration.secretFile.map { path in
            do {
                return try WebhookSecret(parsing: try readTrimmed("--secret-file", path))
            } catch let error as WebhookSecretError {
                throw SinkError("--secret-file \(path): \(error)")
            }
        }
        let ledger = try SinkLedger(outFile: configuration.outFile)
        let serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        guard let port = serverChannel.channel.localAddress?.port else {
            throw SinkError("bound \(configuration.host):\(configuration.port) but cannot read the port")
        }
        return RelaySink(
            configuration: configuration, port: port, serverChannel: serverChannel,
            handler: SinkRequestHandler(ledger: ledger, token: token, secret: secret),
            ledger: ledger, logger: logger
        )
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    try await self.serverChannel.executeThenClose { connections in
                        for try await connection in connections {
                            group.addTask { await self.serve(connection) }
                        }
                    }
                }
            }
        } catch is CancellationError {
            // Shutdown (SIGTERM, or the owner cancelling): stopping is the expected outcome.
        }
    }

    public func stats() async -> SinkStats {
        await ledger.snapshot()
    }

    /// Accepted dispatches, in arrival order (including those loaded from `--out`).
    public func records() async -> [SinkRecord] {
        await ledger.accepted()
    }

    public func setFault(_ fault: SinkFault) async throws {
        try fault.validate()
        await ledger.setFault(fault)
    }

    /// Larger bodies get 413; a dispatch is a few KB.
    static let maximumBodyBytes = 1 << 20

    func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body = ByteBuffer()
                var tooLarge = false
                for try await part in inbound {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                        body.clear()
                        tooLarge = false
                    case .body(var chunk):
                        if body.readableBytes + chunk.readableBytes > Self.maximumBodyBytes {
                            tooLarge = true
                        } else {
                            body.writeBuffer(&chunk)
                        }
                    case .end:
                        guard let requestHead = head else { return }
                        let path = requestHead.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? requestHead.uri
                        let request = SinkRequest(
                            method: requestHead.method, path: path, headers: requestHead.headers,
                            body: Data(body.readableBytesView))
                        let action =
                            tooLarge
                            ? SinkAction.problem(413, "body larger than \(Self.maximumBodyBytes) bytes")
                            : await handler.handle(request)
                        switch action {
                        case .close:
                            return
                        case .hang(let seconds):
                            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                            return
                        case .respond(let status, let headers, let data):
                            var responseHeaders = HTTPHeaders(headers)
                            responseHeaders.add(name: "content-length", value: String(data.count))
                            if !requestHead.isKeepAlive { responseHeaders.add(name: "connection", value: "close") }
                            try await outbound.write(
                                .head(
                                    HTTPResponseHead(
                                        version: requestHead.version, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders)))
                            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: data))))
                            try await outbound.write(.end(nil))
                            if !requestHead.isKeepAlive { return }
                        }
                        head = nil
                    }
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["error": "\(error)"])
        }
    }

    static func makeTLSConfiguration(_ configuration: RelaySinkConfiguration) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(configuration.certFile)
        } catch {
            throw SinkError("--cert \(configuration.certFile): \(fileProblem(configuration.certFile) ?? "not a PEM certificate (\(error))")")
        }
        do {
            key = try NIOSSLPrivateKey(file: configuration.keyFile, format: .pem)
        } catch {
            throw SinkError("--key \(configuration.keyFile): \(fileProblem(configuration.keyFile) ?? "not a PEM private key (\(error))")")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        if let clientCA = configuration.clientCAFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCA))
            } catch {
                throw SinkError("--client-ca \(clientCA): \(fileProblem(clientCA) ?? "not a PEM certificate (\(error))")")
            }
            tls.certificateVerification = .noHostnameVerification
        }
        return tls
    }

    static func fileProblem(_ path: String) -> String? {
        FileManager.default.isReadableFile(atPath: path)
            ? nil
            : (FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
    }

    static func readTrimmed(_ option: String, _ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SinkError("\(option) \(path): \(fileProblem(path) ?? "cannot be read")")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
