import Foundation
import KJobCore
import KJobRelay
import KJobTestSupport
import Testing

@Suite("DeliveryPolicy")
struct DeliveryPolicyTests {
    let policy = DeliveryPolicy()
    let first = Fixtures.t0

    func decide(_ result: DeliveryResult, attempt: Int = 1, after seconds: TimeInterval = 0, seed: UInt64 = 1) -> DispatchDecision {
        var rng = SeededRandom(seed: seed)
        return policy.decide(result, attempt: attempt, firstAttemptAt: first, now: first.addingTimeInterval(seconds), using: &rng)
    }

    @Test("2xx is delivered at now", arguments: [200, 201, 202, 204, 299])
    func delivered(status: Int) {
        #expect(decide(.response(status: status, retryAfter: nil, detail: ""), after: 5) == .delivered(at: first.addingTimeInterval(5)))
    }

    @Test("408, 429 and 5xx are retried", arguments: [408, 429, 500, 502, 503, 504, 599])
    func retryableStatus(status: Int) throws {
        let decision = decide(.response(status: status, retryAfter: nil, detail: "busy"))
        guard case .retry(let at, let lastError) = decision else {
            Issue.record("expected retry, got \(decision)")
            return
        }
        #expect(at >= first && at <= first.addingTimeInterval(policy.baseDelay))
        #expect(lastError.contains("HTTP \(status)"))
    }

    @Test("other 4xx and 3xx fail permanently", arguments: [400, 401, 403, 404, 409, 410, 413, 422, 301, 302])
    func permanent(status: Int) {
        guard case .failed(let reason) = decide(.response(status: status, retryAfter: nil, detail: "nope")) else {
            Issue.record("expected a permanent failure for \(status)")
            return
        }
        #expect(reason.contains("HTTP \(status)"))
    }

    @Test("transport failures are retried; an unbuildable request is not")
    func transport() {
        let retryable: [DeliveryResult] = [
            .timedOut("no answer"), .connectionFailed("refused"),
            .tlsFailed(verification: true, "CERTIFICATE_VERIFY_FAILED"), .tlsFailed(verification: false, "alert")
        ]
        for result in retryable {
            #expect(DeliveryPolicy.classify(result) == .retryable, "\(result)")
        }
        #expect(DeliveryPolicy.classify(.requestInvalid("bad")) == .permanent)
    }

    @Test("a TLS verification failure names the fix in last_error")
    func tlsReason() {
        guard case .retry(_, let lastError) = decide(.tlsFailed(verification: true, "CERTIFICATE_VERIFY_FAILED")) else {
            Issue.record("expected retry")
            return
        }
        #expect(lastError.contains("TLS certificate verification failed"))
        #expect(lastError.contains("relay.ca_file"))
    }

    @Test("full jitter stays within 0...min(maxDelay, base·2^(n-1)) and spreads over it")
    func jitterBounds() {
        var rng = SeededRandom(seed: 42)
        for attempt in 1...20 {
            let ceiling = policy.backoffCeiling(attempt: attempt)
            #expect(ceiling == min(600, 2 * pow(2, Double(attempt - 1))))
            let samples = (0..<500).map { _ in policy.backoff(attempt: attempt, using: &rng) }
            #expect(samples.allSatisfy { $0 >= 0 && $0 <= ceiling })
            #expect(samples.min()! < ceiling * 0.1, "full jitter reaches near zero")
            #expect(samples.max()! > ceiling * 0.9, "full jitter reaches near the ceiling")
        }
    }

    @Test("the same seed gives the same schedule")
    func deterministic() {
        let a = (1...8).map { decide(.timedOut("x"), attempt: $0, seed: 99) }
        let b = (1...8).map { decide(.timedOut("x"), attempt: $0, seed: 99) }
        let c = (1...8).map { decide(.timedOut("x"), attempt: $0, seed: 100) }
        #expect(a == b)
        #expect(a != c)
    }

    @Test("Retry-After in seconds is honoured as a floor")
    func retryAfterSeconds() {
        guard case .retry(let at, _) = decide(.response(status: 503, retryAfter: "120", detail: ""), after: 10) else {
            Issue.record("expected retry")
            return
        }
        #expect(at >= first.addingTimeInterval(130))
        #expect(at <= first.addingTimeInterval(130 + policy.baseDelay))
    }

    @Test("Retry-After as an HTTP-date is honoured")
    func retryAfterDate() {
        // t0 is 2027-01-15T08:00:00Z; ask for 08:05:00.
        let header = "Fri, 15 Jan 2027 08:05:00 GMT"
        guard case .retry(let at, _) = decide(.response(status: 429, retryAfter: header, detail: "")) else {
            Issue.record("expected retry")
            return
        }
        #expect(at == first.addingTimeInterval(300))
    }

    @Test("a huge Retry-After is capped")
    func retryAfterCapped() {
        guard case .retry(let at, _) = decide(.response(status: 503, retryAfter: "99999999", detail: "")) else {
            Issue.record("expected retry")
            return
        }
        #expect(at == first.addingTimeInterval(policy.retryAfterCap))
    }

    @Test("the last retry is clamped to max_age, and a failure after it is dead")
    func deadAfterMaxAge() {
        let nearEnd = decide(.response(status: 503, retryAfter: "600", detail: ""), attempt: 30, after: policy.maxAge - 60)
        #expect(
            nearEnd
                == .retry(
                    at: first.addingTimeInterval(policy.maxAge),
                    lastError: DeliveryResult.response(status: 503, retryAfter: "600", detail: "").description))
        guard case .dead(let reason) = decide(.timedOut("no answer"), attempt: 31, after: policy.maxAge) else {
            Issue.record("expected dead at max_age")
            return
        }
        #expect(reason.contains("31 attempts"))
        #expect(reason.contains("timed out"))
        // Success still counts after max_age: the relay has it.
        #expect(
            decide(.response(status: 200, retryAfter: nil, detail: ""), after: policy.maxAge + 5)
                == .delivered(at: first.addingTimeInterval(policy.maxAge + 5)))
    }

    @Test("a permanent failure is final even on the first attempt")
    func permanentIsNotRetried() {
        #expect(DeliveryPolicy.classify(.response(status: 400, retryAfter: "1", detail: "")) == .permanent)
    }
}

@Suite("DeliveryState")
struct DeliveryStateTests {
    @Test("each decision maps to the state the store keeps")
    func states() {
        let now = Fixtures.t0
        #expect(DispatchDecision.delivered(at: now).state == .delivered)
        #expect(DispatchDecision.retry(at: now, lastError: "x").state == .pending)
        #expect(DispatchDecision.failed(reason: "x").state == .failed)
        #expect(DispatchDecision.dead(reason: "x").state == .dead)
        #expect(DeliveryState.allCases.filter(\.isFinal) == [.delivered, .failed, .dead])
    }
}
