import Foundation
import Hummingbird
import HummingbirdTesting
import KJobServer
import KJobStore
import KJobTestSupport
import Logging
import PostgresNIO
import Testing

@Suite("HTTP API: auth and tenants", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct AuthAPITests {
    @Test("missing, malformed, unknown and revoked tokens are 401 with WWW-Authenticate")
    func unauthenticated() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                for token in [nil, "kjob_doesnotexist", "revoked", "not-a-kjob-token", "kjob_\u{00e9}"] as [String?] {
                    let result = try await api.call(.get, "/v1/jobs", token: token)
                    api.expectProblem(result, .unauthorized)
                    #expect(result.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                }
                var headers = fixture.headers(nil)
                headers[.authorization] = "Basic YWRtaW46YWRtaW4="
                let basic = try await api.client.executeRequest(uri: "/v1/cluster", method: .get, headers: headers, body: nil)
                #expect(basic.status == .unauthorized)
            }
        }
    }

    @Test("health, readiness, metrics and the OpenAPI document need no token")
    func publicEndpoints() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                let health = try await api.call(.get, "/healthz", token: nil)
                #expect(health.status == .ok)
                #expect(health.json["node"] as? String == "test-node")
                let ready = try await api.call(.get, "/readyz", token: nil)
                #expect(ready.status == .ok)
                let metrics = try await api.call(.get, "/metrics", token: nil)
                #expect(metrics.status == .ok)
                #expect(metrics.text.contains("kjob_http_requests_total{code=\"2xx\"}"))
                let openapi = try await api.call(.get, "/v1/openapi.yaml", token: nil)
                #expect(openapi.status == .ok)
                #expect(openapi.text.hasPrefix("openapi: 3.1.0"))
            }
        }
    }

    @Test("a viewer reads but cannot run, enable, disable, cancel or write; an operator cannot write")
    func roles() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("guarded")
                let run = try await api.call(.post, "/v1/jobs/guarded/run", token: "operator")
                #expect(run.status == .accepted)
                let runID = try #require(run.json["id"] as? String)

                #expect(try await api.call(.get, "/v1/jobs/guarded", token: "viewer").status == .ok)
                for (method, path) in [
                    (HTTPRequest.Method.post, "/v1/jobs/guarded/run"), (.post, "/v1/jobs/guarded/enable"),
                    (.post, "/v1/jobs/guarded/disable"), (.post, "/v1/runs/\(runID)/cancel"),
                    (.delete, "/v1/jobs/guarded")
                ] {
                    api.expectProblem(try await api.call(method, path, token: "viewer"), .forbidden)
                }
                api.expectProblem(
                    try await api.call(.post, "/v1/jobs", token: "viewer", body: JobTOML.make(slug: "v"), contentType: "application/toml"), .forbidden)
                api.expectProblem(
                    try await api.call(.put, "/v1/jobs/guarded", token: "viewer", body: JobTOML.make(slug: "guarded"), contentType: "application/toml"),
                    .forbidden)
                api.expectProblem(
                    try await api.call(.post, "/v1/jobs", token: "operator", body: JobTOML.make(slug: "o"), contentType: "application/toml"), .forbidden)
                api.expectProblem(
                    try await api.call(.put, "/v1/jobs/guarded", token: "operator", body: JobTOML.make(slug: "guarded"), contentType: "application/toml"),
                    .forbidden)
                api.expectProblem(try await api.call(.delete, "/v1/jobs/guarded", token: "operator"), .forbidden)
                #expect(try await api.call(.post, "/v1/jobs/guarded/disable", token: "operator").status == .ok)

                // Nothing the viewer tried took effect: still one (manual) run, job still there.
                let runs = try await api.call(.get, "/v1/jobs/guarded/runs", token: "viewer")
                #expect((runs.json["runs"] as? [Any])?.count == 1)
            }
        }
    }

    @Test("a tenant sees and touches only its own jobs and runs (404 for the other's)")
    func tenants() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                try await api.createJob("shared-name", token: "a-admin")
                try await api.createJob("shared-name", token: "b-admin")
                try await api.createJob("only-b", token: "b-admin")
                let bRun = try await api.call(.post, "/v1/jobs/only-b/run", token: "b-admin")
                let bRunID = try #require(bRun.json["id"] as? String)

                let aList = try await api.call(.get, "/v1/jobs", token: "a-viewer")
                let aJobs = aList.json["jobs"] as? [[String: Any]] ?? []
                #expect(aJobs.map { $0["slug"] as? String } == ["shared-name"])
                #expect(aJobs.allSatisfy { $0["tenant"] as? String == "a" })

                // Tenant a cannot see or touch b's job or run, even when naming b in the query.
                for (method, path) in [
                    (HTTPRequest.Method.get, "/v1/jobs/only-b"), (.get, "/v1/jobs/only-b?tenant=b"),
                    (.post, "/v1/jobs/only-b/run"), (.post, "/v1/jobs/only-b/disable"),
                    (.delete, "/v1/jobs/only-b"), (.get, "/v1/jobs/only-b/runs"),
                    (.get, "/v1/runs/\(bRunID)"), (.get, "/v1/runs/\(bRunID)/log"),
                    (.post, "/v1/runs/\(bRunID)/cancel")
                ] {
                    api.expectProblem(try await api.call(method, path, token: "a-admin"), .notFound)
                }
                // a's delete of its own same-named job leaves b's alone.
                #expect(try await api.call(.delete, "/v1/jobs/shared-name", token: "a-admin").status == .noContent)
                let bJob = try await api.call(.get, "/v1/jobs/shared-name", token: "b-admin")
                #expect(bJob.status == .ok)
                #expect(bJob.json["tenant"] as? String == "b")
                let bRunStill = try await api.call(.get, "/v1/runs/\(bRunID)", token: "b-admin")
                #expect(bRunStill.json["status"] as? String == "queued")

                // The cluster-wide admin lists every tenant and addresses one with ?tenant=.
                let all = try await api.call(.get, "/v1/jobs", token: "admin")
                #expect((all.json["jobs"] as? [[String: Any]])?.count == 2)
                #expect(try await api.call(.get, "/v1/jobs/only-b?tenant=b", token: "admin").status == .ok)
                api.expectProblem(try await api.call(.get, "/v1/jobs/only-b", token: "admin"), .notFound)
                #expect(try await api.call(.get, "/v1/runs/\(bRunID)", token: "viewer").status == .ok)
            }
        }
    }
}

@Suite("HTTP API: database down")
struct DatabaseDownTests {
    @Test("readyz answers 503 (problem+json) within its bound when Postgres cannot be reached; healthz stays 200")
    func unreachable() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", port: 1, username: "x", password: nil, database: "x", tls: .disable),
            backgroundLogger: logger)
        var configuration = APIConfiguration()
        configuration.readyTimeout = .milliseconds(300)
        let app = try APIServer.makeApplication(client: client, names: StoreNames(schema: "down"), configuration: configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await app.test(.router) { client in
                let ready = try await client.executeRequest(uri: "/readyz", method: .get, headers: [:], body: nil)
                #expect(ready.status == .serviceUnavailable)
                #expect(ready.headers[.contentType] == "application/problem+json")
                let health = try await client.executeRequest(uri: "/healthz", method: .get, headers: [:], body: nil)
                #expect(health.status == .ok)
            }
        }
    }
}
