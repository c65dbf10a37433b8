import KJobCore
import KJobTestSupport
import Testing

@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetries: 10, backoff: .exponential, initialDelay: .seconds(30), maxDelay: .seconds(600))

    @Test(arguments: [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 600), (7, 600), (10, 600)])
    func ceilingDoublesUpToMaxDelay(attempt: Int, seconds: Int64) {
        #expect(policy.delayCeiling(afterFailedAttempt: attempt) == .seconds(seconds))
    }

    @Test func attemptsBeyondMaxAreNotRetried() {
        var random = SeededRandom(seed: 1)
        #expect(policy.decide(afterFailedAttempt: 11, using: &random) == .giveUp)
        #expect(policy.decide(afterFailedAttempt: 0, using: &random) == .giveUp)
        #expect(RetryPolicy.default.decide(afterFailedAttempt: 1, using: &random) == .giveUp)
        guard case .retry(let attempt, _) = policy.decide(afterFailedAttempt: 10, using: &random) else {
            Issue.record("the last allowed retry was refused")
            return
        }
        #expect(attempt == 11)
    }

    @Test func fullJitterStaysWithinBoundsAndSpreads() throws {
        var random = SeededRandom(seed: 0xC0FFEE)
        for attempt in 1...8 {
            let ceiling = try #require(policy.delayCeiling(afterFailedAttempt: attempt)).milliseconds
            var delays: [Int64] = []
            for _ in 0..<2_000 {
                guard case .retry(let next, let delay) = policy.decide(afterFailedAttempt: attempt, using: &random) else {
                    Issue.record("no retry after attempt \(attempt)")
                    return
                }
                #expect(next == attempt + 1)
                delays.append(delay.milliseconds)
            }
            #expect(delays.allSatisfy { (0...ceiling).contains($0) })
            // Full jitter covers the whole range: both ends are reached within 5%.
            #expect(try #require(delays.min()) < ceiling / 20)
            #expect(try #require(delays.max()) > ceiling - ceiling / 20)
            let mean = Double(delays.reduce(0, +)) / Double(delays.count)
            #expect(abs(mean - Double(ceiling) / 2) < Double(ceiling) * 0.05)
        }
    }

    @Test func theRandomSourceDecides() {
        var a = SeededRandom(seed: 42)
        var b = SeededRandom(seed: 42)
        var c = SeededRandom(seed: 43)
        let first = (1...10).map { policy.decide(afterFailedAttempt: $0, using: &a) }
        let second = (1...10).map { policy.decide(afterFailedAttempt: $0, using: &b) }
        let other = (1...10).map { policy.decide(afterFailedAttempt: $0, using: &c) }
        #expect(first == second)
        #expect(first != other)
    }

    @Test func fixedBackoffWaitsExactlyInitial() {
        let fixed = RetryPolicy(maxRetries: 3, backoff: .fixed, initialDelay: .seconds(45), maxDelay: .seconds(600))
        var random = SeededRandom(seed: 7)
        for attempt in 1...3 {
            #expect(fixed.decide(afterFailedAttempt: attempt, using: &random) == .retry(attempt: attempt + 1, after: .seconds(45)))
        }
        #expect(fixed.decide(afterFailedAttempt: 4, using: &random) == .giveUp)
    }

    @Test func largeAttemptNumbersDoNotOverflow() {
        let long = RetryPolicy(maxRetries: 100, backoff: .exponential, initialDelay: .seconds(86_400), maxDelay: .seconds(86_400))
        for attempt in [60, 62, 63, 64, 100] {
            #expect(long.delayCeiling(afterFailedAttempt: attempt) == .seconds(86_400))
        }
        var random = SeededRandom(seed: 3)
        guard case .retry(_, let delay) = long.decide(afterFailedAttempt: 100, using: &random) else {
            Issue.record("no retry")
            return
        }
        #expect(delay <= .seconds(86_400))
    }

    @Test func systemRandomVariantStaysInBounds() {
        for _ in 0..<100 {
            guard case .retry(_, let delay) = policy.decide(afterFailedAttempt: 2) else {
                Issue.record("no retry")
                return
            }
            #expect(delay >= .zero && delay <= .seconds(60))
        }
    }
}
