import KJobRelay

/// Runs `body` with a bound, serving sink; cancels it afterwards whatever happens. For tests and
/// tools that need a relay for the span of a call.
public func withSink<T: Sendable>(
    _ configuration: RelaySinkConfiguration,
    _ body: @Sendable (RelaySink) async throws -> T
) async throws -> T {
    let sink = try await RelaySink.bind(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await sink.run() }
        do {
            let result = try await body(sink)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}
