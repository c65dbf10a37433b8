import KJobCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A loopback relay kjobd's pools dial when `postgres.url` names several hosts.
///
/// A PostgresNIO pool connects to one fixed address; this relay forwards each new connection to
/// the current writable primary (found by ``PrimaryConnector``, the same host selection as the
/// lock session's) and cuts the connections to a former primary as soon as any connection of the
/// node finds the primary elsewhere, so the pools follow a failover. Bytes pass through
/// unchanged (TLS, when asked for, runs end to end); only 127.0.0.1 listens.
public final class PrimaryRouter: Service, Sendable {
    /// Where the pools connect.
    public let endpoint: PostgresHost
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let connector: PrimaryConnector
    /// How long a new connection waits for a primary to appear (during a failover) before it is refused.
    private let primaryWait: Duration
    private let logger: Logger

    private init(
        endpoint: PostgresHost, server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>,
        connector: PrimaryConnector, primaryWait: Duration, logger: Logger
    ) {
        self.endpoint = endpoint
        self.server = server
        self.connector = connector
        self.primaryWait = primaryWait
        self.logger = logger
    }

    /// Listens on an ephemeral loopback port; ``run()`` serves it.
    public static func bind(connector: PrimaryConnector, primaryWait: Duration = .seconds(5), logger: Logger) async throws -> PrimaryRouter {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress?.port ?? 0
        return PrimaryRouter(
            endpoint: PostgresHost(host: "127.0.0.1", port: port), server: server,
            connector: connector, primaryWait: primaryWait, logger: logger)
    }

    /// Serves until cancelled or shut down; list it before the pools so it stops after them.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await client in inbound {
                        group.addTask { await self.relay(client) }
                    }
                }
            }
        }
    }

    private enum End: Sendable { case client, server, primaryMoved }

    private func relay(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let tracker = connector.tracker
        guard let target = await primary() else {
            try? await client.executeThenClose { _, _ in }
            return
        }
        let upstream: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(max(connector.connectTimeout.milliseconds, 100)))
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            tracker.forget(target)
            tracker.report(.refused(host: target, reason: .unreachable, detail: "\(error)"))
            try? await client.executeThenClose { _, _ in }
            return
        }
        tracker.report(.connected(.pool, host: target))
        do {
            let end = try await client.executeThenClose { clientIn, clientOut in
                try await upstream.executeThenClose { serverIn, serverOut in
                    try await withThrowingTaskGroup(of: End.self) { group in
                        group.addTask {
                            for try await bytes in clientIn { try await serverOut.write(bytes) }
                            return .client
                        }
                        group.addTask {
                            for try await bytes in serverIn { try await clientOut.write(bytes) }
                            return .server
                        }
                        group.addTask {
                            await tracker.waitUntilMoved(from: target)
                            return .primaryMoved
                        }
                        defer { group.cancelAll() }
                        return try await group.next() ?? .client
                    }
                }
            }
            switch end {
            case .server: tracker.forget(target)
            case .primaryMoved: logger.info("cut a pool connection to the former primary", metadata: ["host": "\(target)"])
            case .client: break
            }
        } catch {
            // A reset from either side; the server's end is what matters for where to connect next.
            tracker.forget(target)
        }
    }

    /// The known primary, or the one found now; waits up to `primaryWait` while none answers.
    private func primary() async -> PostgresHost? {
        let deadline = ContinuousClock.now.advanced(by: primaryWait)
        while !Task.isCancelled {
            do {
                return try await connector.locate(logger: logger)
            } catch {
                guard ContinuousClock.now < deadline else {
                    logger.warning("no writable primary for a pool connection; refusing it", metadata: ["error": "\(error)"])
                    return nil
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        return nil
    }
}
