import Hummingbird

/// `?limit=` of a listing: an integer in 1...max, or the listing's default when absent.
enum ListLimit {
    static func parse(_ request: Request, default defaultLimit: Int, max maxLimit: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return defaultLimit }
        guard let limit = Int(text), (1...maxLimit).contains(limit) else {
            throw Problem.badRequest(
                "limit must be an integer in 1...\(maxLimit) (default \(defaultLimit)); got \"\(text.prefix(40))\"",
                field: "limit")
        }
        return limit
    }
}
