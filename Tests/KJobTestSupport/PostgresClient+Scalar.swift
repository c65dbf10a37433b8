import PostgresNIO

extension PostgresClient {
    /// The last row's single column, or nil when there are no rows.
    public func scalar<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? {
        var result: T?
        for try await value in try await self.query(query).decode(T.self) { result = value }
        return result
    }
}
