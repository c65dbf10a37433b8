import Foundation
import KJobRelay
import KJobRelaySink
import Testing

/// The built `kjob-relay-sink` binary, as drills and `make run` use it.
@Suite("kjob-relay-sink executable")
struct RelaySinkExecutableTests {
    static let binary: String = {
        let root =
            ProcessInfo.processInfo.environment["KJOB_REPO_ROOT"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        return root + "/.build/debug/kjob-relay-sink"
    }()

    @Test("--generate, then serve on --port 0: prints the port, records a dispatch, stops on SIGTERM")
    func endToEnd() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary),
            "build it first: swift build --build-tests (looked for \(Self.binary))")
        let dir = try Fixtures.temporaryDirectory("exe")
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: Self.binary)
        generate.arguments = ["--generate", dir]
        generate.standardOutput = FileHandle.nullDevice
        try generate.run()
        generate.waitUntilExit()
        #expect(generate.terminationStatus == 0)
        let files = SinkCertificates.Files(directory: dir)
        for path in [files.caCert, files.serverCert, files.serverKey, files.clientCert, files.clientKey, files.token, files.signingSecret] {
            #expect(FileManager.default.fileExists(atPath: path), "\(path)")
        }
        let keyMode = try FileManager.default.attributesOfItem(atPath: files.serverKey)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)

        let out = dir + "/out.jsonl"
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: Self.binary)
        serve.arguments = [
            "--cert", files.serverCert, "--key", files.serverKey, "--client-ca", files.caCert,
            "--secret-file", files.signingSecret, "--token-file", files.token, "--out", out, "--port", "0"
        ]
        let stdout = Pipe()
        serve.standardOutput = stdout
        let lines = AsyncStream<String> { continuation in
            let splitter = LineSplitter()
            stdout.fileHandleForReading.readabilityHandler = { handle in
                let chunk = handle.availableData
                if chunk.isEmpty {
                    continuation.finish()
                    handle.readabilityHandler = nil
                    return
                }
                for line in splitter.append(chunk) { continuation.yield(line) }
            }
        }
        try serve.run()
        defer { if serve.isRunning { serve.terminate() } }

        let portLine = try await firstElement(of: lines, within: .seconds(60))
        let port = try #require(portLine.flatMap { Int($0) }, "the sink printed \(portLine ?? "nothing") instead of a port")

        try await withClient(
            RelayConfiguration(
                url: "https://localhost:\(port)/v1/dispatch", caFile: files.caCert, clientCert: files.clientCert,
                clientKey: files.clientKey, tokenFile: files.token, signingSecretFile: files.signingSecret
            )
        ) { client in
            #expect(DeliveryPolicy.classify(await client.deliver(Fixtures.dispatch(id: "dsp-exe"))) == .delivered)
        }

        serve.terminate()
        let exited = try await firstElement(
            of: AsyncStream<Int32> { continuation in
                serve.terminationHandler = {
                    continuation.yield($0.terminationStatus)
                    continuation.finish()
                }
                if !serve.isRunning {
                    continuation.yield(serve.terminationStatus)
                    continuation.finish()
                }
            }, within: .seconds(30))
        #expect(exited == 0, "graceful shutdown on SIGTERM exits 0")
        let recorded = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(recorded.count == 1 && recorded[0].contains(#""idempotency_key":"dsp-exe""#))
    }
}
