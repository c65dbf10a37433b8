import Foundation
import KJobRelay
import KJobRelaySink
import KJobTestSupport

/// Runs `body` with a client and shuts it down afterwards whatever happens.
func withClient<T: Sendable>(
    _ configuration: RelayConfiguration,
    _ body: @Sendable (RelayClient) async throws -> T
) async throws -> T {
    let client = try RelayClient(configuration: configuration)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// Drives the dispatcher's loop for one dispatch the way the store will: attempt, decide, wait
/// until `retryAt`, repeat. Bounded by `maxAttempts` so a broken policy fails the test instead of hanging.
func deliverWithRetries(
    _ dispatch: Dispatch, client: RelayClient, policy: DeliveryPolicy, maxAttempts: Int = 20
) async throws -> (decision: DispatchDecision, attempts: Int, results: [DeliveryResult]) {
    var rng = SeededRandom(seed: 7)
    let first = Date()
    var results: [DeliveryResult] = []
    for attempt in 1...maxAttempts {
        let result = await client.deliver(dispatch)
        results.append(result)
        let decision = policy.decide(result, attempt: attempt, firstAttemptAt: first, now: Date(), using: &rng)
        guard case .retry(let at, _) = decision else { return (decision, attempt, results) }
        let wait = at.timeIntervalSinceNow
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
    }
    throw HarnessError("still retrying after \(maxAttempts) attempts: \(results)")
}
