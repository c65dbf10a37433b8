import Foundation
import KJobRelay
import KJobRelaySink
import KJobTestSupport
import Testing

/// Real TLS on 127.0.0.1 against an in-process sink, with certificates made per test.
@Suite("Relay delivery over TLS")
struct RelayDeliveryTests {
    /// Short backoff so the retry loop runs in milliseconds; the logic is the production policy's.
    let fastPolicy = DeliveryPolicy(maxAge: 60, baseDelay: 0.01, maxDelay: 0.05, retryAfterCap: 1)

    @Test("a signed, authenticated dispatch is recorded once with the exact body and headers")
    func delivers() async throws {
        let pki = try Fixtures.pki("delivers")
        let out = pki.directory + "/dispatches.jsonl"
        try await withSink(pki.sinkConfiguration(secret: true, token: true, out: out)) { sink in
            try await withClient(pki.clientConfiguration(port: sink.port, secretFile: pki.signingSecret, token: true)) { client in
                let dispatch = Fixtures.dispatch(id: "dsp-delivers")
                let result = await client.deliver(dispatch)
                #expect(result == .response(status: 200, retryAfter: nil, detail: #"{"status":"accepted"}"#))
                // The same dispatch again (a retry after a lost answer) is acknowledged, not re-recorded.
                #expect(await client.deliver(dispatch) == .response(status: 200, retryAfter: nil, detail: #"{"status":"duplicate"}"#))

                let records = await sink.records()
                try #require(records.count == 1)
                let record = records[0]
                #expect(record.idempotencyKey == "dsp-delivers")
                #expect(record.headers["webhook-id"] == "dsp-delivers")
                #expect(record.headers["content-type"] == "application/json")
                #expect(record.headers["webhook-signature"]?.hasPrefix("v1,") == true)
                #expect(record.signatureVerified == true)
                #expect(record.authenticated)
                #expect(record.body == dispatch.payload)
                let stats = await sink.stats()
                #expect(stats.accepted == 1 && stats.duplicates == 1 && stats.duplicatesByKey == ["dsp-delivers": 1])

                let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
                #expect(lines.count == 1)
                #expect(lines.first?.contains(#""idempotency_key":"dsp-delivers""#) == true)
                let token = try String(contentsOfFile: pki.token, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(lines.first?.contains(token) == false, "the bearer token is never recorded")
            }
        }
    }

    @Test("a relay whose certificate is from an unknown CA is refused, retryable, with a clear reason")
    func unknownCA() async throws {
        let relayPKI = try Fixtures.pki("relay")
        let otherPKI = try Fixtures.pki("other")
        try await withSink(relayPKI.sinkConfiguration()) { sink in
            try await withClient(otherPKI.clientConfiguration(port: sink.port)) { client in
                let result = await client.deliver(Fixtures.dispatch())
                guard case .tlsFailed(verification: true, _) = result else {
                    Issue.record("expected a TLS verification failure, got \(result)")
                    return
                }
                #expect(DeliveryPolicy.classify(result) == .retryable)
                #expect(result.description.contains("relay.ca_file"))
                #expect(result.description.contains("CERTIFICATE_VERIFY_FAILED"))
                #expect(await sink.stats().requests == 0)
            }
        }
    }

    @Test("a certificate for another name is refused (hostname verification is on)")
    func wrongName() async throws {
        let pki = try Fixtures.pki("wrong-name", SinkCertificates(serverDNSNames: ["relay.invalid"], serverIPAddresses: [[10, 9, 8, 7]]))
        try await withSink(pki.sinkConfiguration()) { sink in
            for host in ["127.0.0.1", "localhost"] {
                try await withClient(pki.clientConfiguration(port: sink.port, host: host)) { client in
                    let result = await client.deliver(Fixtures.dispatch())
                    guard case .tlsFailed(verification: true, _) = result else {
                        Issue.record("expected a hostname verification failure via \(host), got \(result)")
                        return
                    }
                }
            }
            #expect(await sink.stats().requests == 0)
        }
    }

    @Test("mTLS: accepted with the client certificate, refused without it")
    func mutualTLS() async throws {
        let pki = try Fixtures.pki("mtls")
        try await withSink(pki.sinkConfiguration(requireClientCert: true)) { sink in
            try await withClient(pki.clientConfiguration(port: sink.port, clientCert: true)) { client in
                #expect(DeliveryPolicy.classify(await client.deliver(Fixtures.dispatch(id: "with-cert"))) == .delivered)
            }
            try await withClient(pki.clientConfiguration(port: sink.port, clientCert: false)) { client in
                let result = await client.deliver(Fixtures.dispatch(id: "without-cert"))
                guard case .tlsFailed(verification: false, let reason) = result else {
                    Issue.record("expected the relay to refuse the handshake, got \(result)")
                    return
                }
                #expect(reason.contains("CERTIFICATE_REQUIRED"))
                #expect(DeliveryPolicy.classify(result) == .retryable)
            }
            #expect(await sink.records().map(\.idempotencyKey) == ["with-cert"])
        }
    }

    @Test("a dispatch signed with the wrong secret gets 401 and fails permanently")
    func wrongSecret() async throws {
        let pki = try Fixtures.pki("secret")
        let wrong = pki.directory + "/wrong-secret"
        try Data(WebhookSecret.generateText().utf8).write(to: URL(fileURLWithPath: wrong))
        try await withSink(pki.sinkConfiguration(secret: true)) { sink in
            try await withClient(pki.clientConfiguration(port: sink.port, secretFile: wrong)) { client in
                let result = await client.deliver(Fixtures.dispatch())
                guard case .response(401, _, let detail) = result else {
                    Issue.record("expected 401, got \(result)")
                    return
                }
                #expect(detail.contains("bad signature"))
                #expect(DeliveryPolicy.classify(result) == .permanent)
            }
            try await withClient(pki.clientConfiguration(port: sink.port)) { client in
                guard case .response(401, _, _) = await client.deliver(Fixtures.dispatch()) else {
                    Issue.record("an unsigned dispatch must be refused by a sink with a secret")
                    return
                }
            }
            #expect(await sink.stats().accepted == 0)
            #expect(await sink.stats().rejected == 2)
        }
    }

    @Test("503 three times then 200: four attempts, exactly one accepted dispatch")
    func retriesThroughOutage() async throws {
        let pki = try Fixtures.pki("outage")
        try await withSink(pki.sinkConfiguration(secret: true)) { sink in
            try await sink.setFault(.status(503, count: 3))
            try await withClient(pki.clientConfiguration(port: sink.port, secretFile: pki.signingSecret)) { client in
                let dispatch = Fixtures.dispatch(id: "dsp-outage")
                let (decision, attempts, results) = try await deliverWithRetries(dispatch, client: client, policy: fastPolicy)
                guard case .delivered = decision else {
                    Issue.record("expected delivered, got \(decision)")
                    return
                }
                #expect(attempts == 4)
                #expect(results.prefix(3).allSatisfy { if case .response(503, _, _) = $0 { true } else { false } })
            }
            let stats = await sink.stats()
            #expect(stats.requests == 4 && stats.faulted == 3 && stats.accepted == 1 && stats.duplicates == 0)
            #expect(await sink.records().map(\.idempotencyKey) == ["dsp-outage"])
        }
    }

    @Test("Retry-After from the relay reaches the policy")
    func retryAfterFromRelay() async throws {
        let pki = try Fixtures.pki("retry-after")
        try await withSink(pki.sinkConfiguration()) { sink in
            try await sink.setFault(.status(429, count: 1, retryAfter: "7"))
            try await withClient(pki.clientConfiguration(port: sink.port)) { client in
                let result = await client.deliver(Fixtures.dispatch())
                #expect(result == .response(status: 429, retryAfter: "7", detail: #"{"status":"injected fault"}"#))
                var rng = SeededRandom(seed: 3)
                let now = Date()
                guard case .retry(let at, _) = DeliveryPolicy().decide(result, attempt: 1, firstAttemptAt: now, now: now, using: &rng) else {
                    Issue.record("expected retry")
                    return
                }
                #expect(at.timeIntervalSince(now) >= 7)
            }
        }
    }

    @Test("a hanging relay times out and is retryable")
    func hangingRelay() async throws {
        let pki = try Fixtures.pki("hang")
        try await withSink(pki.sinkConfiguration()) { sink in
            try await sink.setFault(.hang(seconds: 60))
            try await withClient(pki.clientConfiguration(port: sink.port, timeout: .milliseconds(500))) { client in
                let started = ContinuousClock.now
                let result = await client.deliver(Fixtures.dispatch())
                guard case .timedOut = result else {
                    Issue.record("expected a timeout, got \(result)")
                    return
                }
                #expect(DeliveryPolicy.classify(result) == .retryable)
                #expect(ContinuousClock.now - started < .seconds(30), "the attempt is bounded by relay.timeout, not the hang")
            }
            #expect(await sink.stats().accepted == 0)
        }
    }

    @Test("a relay that drops the connection is a retryable connection failure")
    func droppedConnection() async throws {
        let pki = try Fixtures.pki("close")
        try await withSink(pki.sinkConfiguration()) { sink in
            try await sink.setFault(.close(count: 1))
            try await withClient(pki.clientConfiguration(port: sink.port)) { client in
                let result = await client.deliver(Fixtures.dispatch(id: "dsp-close"))
                #expect(DeliveryPolicy.classify(result) == .retryable, "\(result)")
                #expect(DeliveryPolicy.classify(await client.deliver(Fixtures.dispatch(id: "dsp-close"))) == .delivered)
            }
        }
    }

    @Test("nothing listening is a retryable connection failure")
    func refused() async throws {
        let pki = try Fixtures.pki("refused")
        // Bind and stop a sink to get a port that is (very likely) free.
        let port = try await withSink(pki.sinkConfiguration()) { $0.port }
        try await withClient(pki.clientConfiguration(port: port)) { client in
            let result = await client.deliver(Fixtures.dispatch())
            guard case .connectionFailed = result else {
                Issue.record("expected connectionFailed, got \(result)")
                return
            }
        }
    }

    @Test("a 400 is permanent and not retried")
    func badRequestNotRetried() async throws {
        let pki = try Fixtures.pki("400")
        try await withSink(pki.sinkConfiguration()) { sink in
            try await sink.setFault(.status(400))
            try await withClient(pki.clientConfiguration(port: sink.port)) { client in
                let (decision, attempts, _) = try await deliverWithRetries(Fixtures.dispatch(), client: client, policy: fastPolicy)
                guard case .failed(let reason) = decision else {
                    Issue.record("expected a permanent failure, got \(decision)")
                    return
                }
                #expect(reason.contains("HTTP 400"))
                #expect(attempts == 1)
            }
            #expect(await sink.stats().requests == 1)
        }
    }
}
