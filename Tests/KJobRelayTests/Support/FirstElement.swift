/// The first element, or `nil` if the sequence ends or `limit` passes first.
func firstElement<Element: Sendable>(of stream: AsyncStream<Element>, within limit: Duration) async throws -> Element? {
    try await withThrowingTaskGroup(of: Element?.self) { group in
        group.addTask {
            for await element in stream { return element }
            return nil
        }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
