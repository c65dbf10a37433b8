import Foundation
import KJobTestSupport
import Testing

@Suite("kjob CLI over HTTPS", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct HTTPSTests {
    /// A self-signed certificate for 127.0.0.1, made by the openssl CLI (scripts/ensure-deps openssl).
    static func makeCertificate() async throws -> (directory: URL, cert: String, key: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kjob-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1"
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let (exits, continuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = {
            continuation.yield($0.terminationStatus)
            continuation.finish()
        }
        try process.run()
        var status: Int32 = -1
        for await value in exits { status = value }
        try #require(status == 0, "openssl could not make a test certificate")
        return (directory, cert, key)
    }

    @Test("the API serves HTTPS with http.tls_cert/tls_key; the CLI verifies it with --ca-file and refuses it without")
    func https() async throws {
        let tls = try await Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: tls.directory) }
        try await CLIFixture.with(configure: {
            $0.tlsCert = tls.cert
            $0.tlsKey = tls.key
        }) { cli in
            #expect(cli.baseURL.hasPrefix("https://"))
            let created = try await cli.run([
                "create", "--slug", "secure", "--prompt", "p", "--schedule", "@daily", "--agent", "kode",
                "--ca-file", tls.cert
            ])
            #expect(created.status == 0, "\(created.stderr)")
            let listed = try await cli.run(["list", "--json"], environment: ["KJOB_CA_FILE": tls.cert])
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(listed.array.first?["slug"] as? String == "secure")
            let unverified = try await cli.run(["list"])
            #expect(unverified.status == 1, "an unknown CA must be refused: \(unverified.stdout)")
            let plain = try await cli.run(["list"], server: cli.baseURL.replacingOccurrences(of: "https://", with: "http://"))
            #expect(plain.status == 1)
        }
    }
}
