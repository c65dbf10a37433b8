import KJobCore
import Testing

/// The keepalive arithmetic behind `lease.server_release` (issue #12 item 10).
@Suite("ServerRelease")
struct ServerReleaseTests {
    func sent(_ release: ServerRelease) -> [String: String] {
        Dictionary(release.lockSessionParameters.map { ($0.name, $0.value) }) { $1 }
    }

    @Test("4.5 s is not rounded down to 4 s: keepalives fire at 5 s, the timeouts at 4500 ms")
    func fractionalSecondsRoundUp() {
        let release = ServerRelease(.milliseconds(4500))
        #expect(release.keepalivesIdle == 2)
        #expect(release.keepalivesInterval == 1)
        #expect(release.keepalivesCount == 3)
        #expect(release.keepaliveRelease == .seconds(5))
        #expect(release.timeoutMilliseconds == 4500)
        #expect(release.effectiveRelease == .milliseconds(4500))
        #expect(release.latestRelease == .seconds(5))
        let parameters = sent(release)
        #expect(parameters["idle_session_timeout"] == "4500")
        #expect(parameters["tcp_user_timeout"] == "4500")
        #expect(parameters["statement_timeout"] == "4500")
        #expect(parameters["tcp_keepalives_idle"] == "2")
        #expect(parameters["tcp_keepalives_count"] == "3")
        #expect(release.admits(timeout: .seconds(4)))
        #expect(!release.admits(timeout: .milliseconds(4500)))
    }

    @Test("the default 6 s: keepalives 3 s + 3 × 1 s")
    func wholeSeconds() {
        let release = ServerRelease(.seconds(6))
        #expect((release.keepalivesIdle, release.keepalivesInterval, release.keepalivesCount) == (3, 1, 3))
        #expect(release.effectiveRelease == .seconds(6))
        #expect(release.latestRelease == .seconds(6))
        #expect(release.admits(timeout: .seconds(4)))
        #expect(!release.admits(timeout: .seconds(6)))
    }

    @Test(
        "no mechanism fires before server_release, and keepalives at most 1 s after it",
        arguments: Array(stride(from: 1000, through: 30_000, by: 137)) + [1001, 1999, 2000, 4500, 6000, 86_400_000])
    func neverUndershoots(releaseMs: Int) {
        let release = ServerRelease(.milliseconds(releaseMs))
        #expect(release.effectiveRelease >= .milliseconds(releaseMs))
        #expect(release.keepaliveRelease >= .milliseconds(releaseMs))
        #expect(release.latestRelease <= .milliseconds(releaseMs) + .seconds(1))
        #expect(release.keepalivesIdle >= 1 && release.keepalivesCount >= 1)
        #expect(release.admits(timeout: .milliseconds(releaseMs - 1)))
        #expect(!release.admits(timeout: .milliseconds(releaseMs)))
    }

    @Test("sub-millisecond parts round up; below 1 s the minimum applies")
    func edges() {
        #expect(ServerRelease(.microseconds(4_500_001)).timeoutMilliseconds == 4501)
        let tiny = ServerRelease(.milliseconds(300))
        #expect(tiny.timeoutMilliseconds == 1000)
        #expect(tiny.effectiveRelease == .seconds(1))
    }

    @Test("pooled connections get the keepalives and an idle-in-transaction limit")
    func connectionParameters() {
        let parameters = Dictionary(ServerRelease(.seconds(3)).connectionParameters(idleInTransaction: .milliseconds(1500)).map { ($0.name, $0.value) }) { $1 }
        #expect(parameters["idle_in_transaction_session_timeout"] == "1500")
        #expect(parameters["tcp_user_timeout"] == "3000")
        #expect(parameters["tcp_keepalives_idle"] == "1")
        #expect(parameters["tcp_keepalives_count"] == "2")
        #expect(parameters["idle_session_timeout"] == nil, "pooled connections may idle")
    }
}
