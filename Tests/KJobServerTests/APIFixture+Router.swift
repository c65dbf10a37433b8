import HummingbirdTesting
import KJobTestSupport

extension APIFixture {
    /// Runs `body` against the router (no sockets).
    func test(_ body: @escaping @Sendable (APITester) async throws -> Void) async throws {
        try await app().test(.router) { client in
            try await body(APITester(client: client, fixture: self))
        }
    }
}
