/// Polls `condition` every `interval` until it holds or `timeout` passes; returns the elapsed time
/// when it held, nil on timeout. For observing another process or the database, where there is
/// no event to await.
public func poll(timeout: Duration, interval: Duration = .milliseconds(20), _ condition: () async throws -> Bool) async throws -> Duration? {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < timeout {
        if try await condition() { return ContinuousClock.now - start }
        try await Task.sleep(for: interval)
    }
    return try await condition() ? ContinuousClock.now - start : nil
}

/// `body`'s answer, or nil when `timeout` passes first (`body` is then cancelled). For awaiting an
/// event that may never come.
public func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async -> T?) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
