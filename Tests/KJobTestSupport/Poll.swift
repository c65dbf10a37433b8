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
