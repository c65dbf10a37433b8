import KJobStore
import Testing

/// What the lock session actually asks Postgres for (issue #12 item 10): no mechanism may drop a
/// silent holder before `server_release`, or the server could free the lock while the holder
/// still believes it is active (its self-demotion comes at `timeout`, just under `server_release`).
@Suite("Lock session settings")
struct LockSessionSettingsTests {
    func parameters(_ release: Duration) -> [String: Int] {
        let settings = LockSession.Settings(lockKey: 1, nodeID: "n", serverRelease: release, connectTimeout: .seconds(1))
        return Dictionary(settings.sessionParameters.map { ($0.name, Int($0.value) ?? -1) }) { $1 }
    }

    @Test(arguments: [1000, 1500, 3000, 4500, 6000, 6500, 9999, 10_000])
    func noMechanismReleasesBeforeServerRelease(releaseMs: Int) throws {
        let sent = parameters(.milliseconds(releaseMs))
        let idle = try #require(sent["tcp_keepalives_idle"])
        let interval = try #require(sent["tcp_keepalives_interval"])
        let count = try #require(sent["tcp_keepalives_count"])
        #expect(idle >= 1 && interval >= 1 && count >= 1)
        // A silent peer is dropped after idle + interval × count seconds of no traffic.
        #expect(
            (idle + interval * count) * 1000 >= releaseMs,
            "keepalives drop a silent holder after \(idle + interval * count)s, before server_release \(releaseMs)ms")
        // ... and no later than a second past it (whole-second keepalive settings).
        #expect((idle + interval * count) * 1000 <= releaseMs + 1000)
        #expect(try #require(sent["tcp_user_timeout"]) >= releaseMs)
        #expect(try #require(sent["idle_session_timeout"]) >= releaseMs)
    }
}
