extension APIClient {
    /// The most jobs `GET /v1/jobs` returns in one page (the server's `limit` maximum).
    public static let jobPageLimit = 1000

    /// One page of `GET /v1/jobs`: at most `limit` jobs after the cursor `after` (a previous
    /// page's `next`; nil for the first page).
    public func jobPage(after: String?, limit: Int) async throws(ClientError) -> Response {
        var query = [("limit", "\(min(max(1, limit), Self.jobPageLimit))")]
        if let after { query.append(("after", after)) }
        return try await send(.GET, "/v1/jobs", query: query)
    }
}
