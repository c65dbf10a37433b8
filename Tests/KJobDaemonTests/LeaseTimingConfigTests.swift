import Foundation
import KJobCore
import KJobDaemon
import Testing

/// Lease timings are checked against what Postgres is really told (issue #12 item 10), and the
/// API's pool and follow streams are configured apart from the leader's (item 5).
@Suite("DaemonConfig: lease arithmetic and the API's share")
struct LeaseTimingConfigTests {
    func refusal(_ toml: String, environment: [String: String] = [:]) -> DaemonConfigError? {
        do {
            _ = try DaemonConfig.parse(toml: toml, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test("server_release 4.5 s: the timeout is checked against the effective release, and the error names the fix")
    func fractionalServerRelease() throws {
        let accepted = try DaemonConfig.parse(toml: "[lease]\nserver_release = \"4500ms\"\ntimeout = \"4s\"")
        #expect(accepted.lease.release.effectiveRelease == .milliseconds(4500))
        #expect(accepted.lease.release.keepaliveRelease >= .milliseconds(4500))
        let error = try #require(refusal("[lease]\nserver_release = \"4500ms\"\ntimeout = \"4500ms\""))
        #expect(error.location == "lease.timeout")
        #expect(error.message.contains("effective server release (4s500ms"), "\(error)")
        #expect(error.message.contains("lower lease.timeout") && error.message.contains("raise lease.server_release"), "\(error)")
    }

    @Test("a server_release under 1 s cannot be honoured (keepalives count whole seconds) and is refused")
    func subSecondServerRelease() throws {
        let error = try #require(refusal("[lease]\nserver_release = \"900ms\"\ntimeout = \"800ms\"\nheartbeat = \"100ms\""))
        #expect(error.location == "lease.server_release")
        #expect(error.message.contains("at least 1s"), "\(error)")
    }

    @Test func apiPoolAndFollowCapDefaultsAndBounds() throws {
        let config = try DaemonConfig.parse(toml: "")
        #expect(config.postgres.apiPoolSize == 4)
        #expect(config.http.maxFollowStreams == 32)
        let overridden = try DaemonConfig.parse(
            toml: "[postgres]\napi_pool_size = 2\n[http]\nmax_follow_streams = 5",
            environment: ["KJOBD_HTTP_MAX_FOLLOW_STREAMS": "7"])
        #expect(overridden.postgres.apiPoolSize == 2)
        #expect(overridden.http.maxFollowStreams == 7)
        #expect(refusal("[postgres]\napi_pool_size = 0")?.location == "postgres.api_pool_size")
        #expect(refusal("[http]\nmax_follow_streams = 0")?.location == "http.max_follow_streams")
    }
}
