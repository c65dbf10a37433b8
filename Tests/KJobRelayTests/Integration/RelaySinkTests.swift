import AsyncHTTPClient
import Foundation
import KJobRelay
import KJobRelaySink
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

@Suite("Relay sink")
struct RelaySinkTests {
    func adminClient(_ pki: SinkCertificates.Files) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caCert))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    func call(_ client: HTTPClient, _ method: HTTPMethod, _ url: String, _ body: String? = nil) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(60))
        let data = try await response.body.collect(upTo: 1 << 16)
        return (Int(response.status.code), String(buffer: data))
    }

    @Test("faults are set at runtime over HTTPS, counted down, and shown in stats")
    func adminEndpoints() async throws {
        let pki = try Fixtures.pki("admin")
        try await withSink(pki.sinkConfiguration()) { sink in
            let admin = try adminClient(pki)
            do {
                let base = "https://127.0.0.1:\(sink.port)"
                let (status, _) = try await call(admin, .POST, base + "/admin/fault", #"{"mode":"status","status":503,"count":2}"#)
                #expect(status == 200)
                let (badStatus, badBody) = try await call(admin, .POST, base + "/admin/fault", #"{"mode":"hang"}"#)
                #expect(badStatus == 400 && badBody.contains("seconds"))
                try await withClient(pki.clientConfiguration(port: sink.port)) { client in
                    #expect(DeliveryPolicy.classify(await client.deliver(Fixtures.dispatch())) == .retryable)
                }
                let (_, stats) = try await call(admin, .GET, base + "/admin/stats")
                let decoded = try JSONDecoder().decode(SinkStats.self, from: Data(stats.utf8))
                #expect(decoded.faulted == 1 && decoded.fault == .status(503, count: 1))
                #expect(try await call(admin, .POST, base + "/admin/fault", #"{"mode":"none"}"#).0 == 200)
                #expect(await sink.stats().fault == .none)
                #expect(try await call(admin, .GET, base + "/nope").0 == 404)
                try await admin.shutdown()
            } catch {
                try? await admin.shutdown()
                throw error
            }
        }
    }

    @Test("a restarted sink keeps deduplicating against its --out file")
    func dedupeAcrossRestart() async throws {
        let pki = try Fixtures.pki("restart")
        let out = pki.directory + "/out.jsonl"
        let dispatch = Fixtures.dispatch(id: "dsp-restart")
        for expected in ["accepted", "duplicate"] {
            try await withSink(pki.sinkConfiguration(out: out)) { sink in
                try await withClient(pki.clientConfiguration(port: sink.port)) { client in
                    #expect(await client.deliver(dispatch) == .response(status: 200, retryAfter: nil, detail: #"{"status":"\#(expected)"}"#))
                }
            }
        }
        #expect(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count == 1)
    }

    @Test("a body that is not a dispatch, or no Idempotency-Key, gets 400; an oversized one 413")
    func rejectsMalformed() async throws {
        let pki = try Fixtures.pki("malformed")
        try await withSink(pki.sinkConfiguration()) { sink in
            let admin = try adminClient(pki)
            do {
                let url = "https://127.0.0.1:\(sink.port)/v1/dispatch"
                let (status, body) = try await call(admin, .POST, url, #"{"channel":"c"}"#)
                #expect(status == 400 && body.contains("Idempotency-Key"))
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "idempotency-key", value: "k")
                request.body = .bytes(ByteBuffer(string: #"{"channel":"c"}"#))
                #expect(try await admin.execute(request, timeout: .seconds(60)).status.code == 400)
                #expect(await sink.stats().rejected == 2)
                let huge = String(repeating: "x", count: (1 << 20) + 1)
                #expect(try await call(admin, .POST, url, huge).0 == 413)
                try await admin.shutdown()
            } catch {
                try? await admin.shutdown()
                throw error
            }
        }
    }
}
