import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import KJobServer
import KJobStore
import KJobTestSupport
import Logging
import PostgresNIO
import Testing

/// Unknown tokens must be cheap (issue #12 item 5): a token that is not of the form kjobd issues
/// is refused before any query, so a flood of them never touches the database.
@Suite("HTTP API: token lookups")
struct TokenLookupTests {
    /// Tokens that cannot have been issued: wrong length, bad characters, an impossible last character.
    static let malformed = [
        "kjob_short", "kjob_doesnotexist",
        "kjob_" + String(repeating: "A", count: 42),
        "kjob_" + String(repeating: "A", count: 44),
        "kjob_" + String(repeating: "A", count: 42) + "B",  // 43 characters, but B leaves stray bits: not 32 bytes
        "kjob_" + String(repeating: "A", count: 41) + "+A",  // base64, not base64url
        "KJOB_" + String(repeating: "A", count: 43)
    ]

    @Test("a malformed bearer token is refused without a database query (401 with the database down)")
    func malformedTokenNeedsNoDatabase() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // Nothing listens on port 1: any query would wait for the pool and never answer 401.
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", port: 1, username: "x", password: nil, database: "x", tls: .disable),
            backgroundLogger: logger)
        let app = try APIServer.makeApplication(client: client, names: StoreNames(schema: "down"), configuration: APIConfiguration(), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await app.test(.router) { client in
                for token in Self.malformed {
                    let started = ContinuousClock.now
                    let response = try await client.executeRequest(uri: "/v1/jobs", method: .get, headers: [.authorization: "Bearer \(token)"], body: nil)
                    #expect(response.status == .unauthorized, "\(token): \(response.status)")
                    // A query would wait for the pool's circuit breaker (60 s) and then answer 503.
                    #expect(ContinuousClock.now - started < .seconds(10), "\(token) waited for the database")
                }
            }
        }
    }
}

/// The answers of token lookups are cached briefly and lookups are bounded (issue #12 item 5).
@Suite("HTTP API: token lookups against the database", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct TokenLookupBoundTests {
    @Test("a token revoked while its lookup is cached is refused within the cache TTL")
    func revokedWhileCached() async throws {
        try await APIFixture.with(configure: { $0.tokenCacheTTL = .seconds(1) }) { fixture in
            try await fixture.test { api in
                #expect(try await api.call(.get, "/v1/jobs", token: "operator").status == .ok)
                let repository = TokensRepository(client: fixture.client, names: fixture.db.names, logger: fixture.db.logger)
                guard case .revoked = try await repository.revoke(name: "operator", actor: "admin") else {
                    Issue.record("the operator token was not revoked")
                    return
                }
                let refused = try await poll(timeout: .seconds(10), interval: .milliseconds(50)) {
                    try await api.call(.get, "/v1/jobs", token: "operator").status == .unauthorized
                }
                let after = try #require(refused, "the revoked token was never refused")
                #expect(after < .seconds(3))
                let result = try await api.call(.get, "/v1/jobs", token: "operator")
                api.expectProblem(result, .unauthorized)
                #expect(result.text.contains("revoked"))
            }
        }
    }

    @Test("unknown tokens are answered from the cache, and at most maxTokenLookups lookups wait on the database; the rest get 503")
    func floodIsBounded() async throws {
        try await APIFixture.with(configure: {
            $0.maxTokenLookups = 1
            $0.tokenLookupWait = .milliseconds(300)
            $0.tokenCacheTTL = .seconds(60)
        }) { fixture in
            let schema = fixture.db.names.schema
            let repeated = APIToken.generate()
            let locker = try await fixture.db.connect()
            // Closed however the test ends (a connection must be closed before it is released).
            defer { locker.close().whenComplete { _ in withExtendedLifetime(locker) {} } }
            try await fixture.serve { base in
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    func get(_ token: String) async throws -> (UInt, Duration) {
                        let started = ContinuousClock.now
                        var request = HTTPClientRequest(url: "\(base)/v1/jobs")
                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                        let response = try await http.execute(request, timeout: .seconds(60))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        return (UInt(response.status.code), ContinuousClock.now - started)
                    }
                    #expect(try await get(repeated).0 == 401)
                    // From here every lookup that reaches the database waits on this lock.
                    try await locker.query("BEGIN", logger: fixture.db.logger)
                    try await locker.query("LOCK TABLE \(unescaped: schema).api_tokens IN ACCESS EXCLUSIVE MODE", logger: fixture.db.logger)
                    let (cachedStatus, cachedTook) = try await get(repeated)
                    #expect(cachedStatus == 401, "a repeated unknown token must be answered from the cache")
                    #expect(cachedTook < .seconds(2))

                    let (statuses, mostWaiting) = try await withThrowingTaskGroup(of: UInt.self, returning: ([UInt], Int64).self) { flood in
                        for _ in 0..<8 {
                            flood.addTask { try await get(APIToken.generate()).0 }
                        }
                        var statuses: [UInt] = []
                        var mostWaiting: Int64 = 0
                        // Seven are turned away while the table is still locked; one waits on it.
                        while statuses.count < 7, let status = try await flood.next() {
                            statuses.append(status)
                            let waiting =
                                try await fixture.client.scalar(
                                    """
                                    SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                                     WHERE c.relname = 'api_tokens' AND c.relnamespace = \(schema)::regnamespace AND NOT l.granted
                                    """, as: Int64.self) ?? 0
                            mostWaiting = max(mostWaiting, waiting)
                        }
                        try await locker.query("COMMIT", logger: fixture.db.logger)
                        for try await status in flood { statuses.append(status) }
                        return (statuses, mostWaiting)
                    }
                    #expect(statuses.filter { $0 == 503 }.count == 7, "\(statuses)")
                    #expect(statuses.filter { $0 == 401 }.count == 1, "\(statuses)")
                    #expect(mostWaiting == 1, "lookups waiting on the database: \(mostWaiting)")
                } catch {
                    try? await http.shutdown()
                    throw error
                }
                try await http.shutdown()
            }
        }
    }
}

/// Followed logs are capped per node (issue #12 item 5).
@Suite("HTTP API: followed logs are capped", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct FollowLimitTests {
    @Test("beyond max_follow_streams a follow gets 429 problem+json; the slot frees when a stream ends")
    func capAnswers429() async throws {
        try await APIFixture.with(configure: { $0.maxFollowStreams = 1 }) { fixture in
            let schema = fixture.db.names.schema
            try await fixture.test { api in
                try await api.createJob("followed")
                #expect(try await api.call(.post, "/v1/jobs/followed/run", token: "operator").status == .accepted)
            }
            let run = try #require(try await fixture.client.scalar("SELECT id FROM \(unescaped: schema).job_runs", as: UUID.self))
            let url = "/v1/runs/\(run.uuidString.lowercased())/log?follow=1"
            try await fixture.serve { base in
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    func follow() async throws -> HTTPClientResponse {
                        var request = HTTPClientRequest(url: base + url)
                        request.headers.add(name: "Authorization", value: "Bearer \(fixture.tokens["viewer"]!)")
                        return try await http.execute(request, timeout: .seconds(60))
                    }
                    // The run stays queued: this stream stays open.
                    let first = try await follow()
                    #expect(first.status == .ok)
                    let second = try await follow()
                    #expect(second.status == .tooManyRequests)
                    #expect(second.headers.first(name: "content-type") == "application/problem+json")
                    #expect(second.headers.first(name: "retry-after") != nil)
                    let problem = String(buffer: try await second.body.collect(upTo: 1 << 16))
                    #expect(problem.contains("max_follow_streams"), "\(problem)")
                    // The run ends, the first stream with it, and its slot is free again.
                    try await fixture.sql("UPDATE \(unescaped: schema).job_runs SET status = 'succeeded', finished_at = now() WHERE id = \(run)")
                    _ = try await first.body.collect(upTo: 1 << 20)
                    let freed = try await poll(timeout: .seconds(10), interval: .milliseconds(50)) {
                        let again = try await follow()
                        _ = try await again.body.collect(upTo: 1 << 20)
                        return again.status == .ok
                    }
                    #expect(freed != nil, "the finished stream's slot was never freed")
                } catch {
                    try? await http.shutdown()
                    throw error
                }
                try await http.shutdown()
            }
        }
    }
}
