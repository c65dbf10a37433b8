import KJobCore
import KJobMetrics
import Testing

/// The exposition as `series → value` (`name{labels}` exactly as rendered), plus each family's TYPE.
struct Exposition {
    var samples: [String: Double] = [:]
    var types: [String: String] = [:]
    var helps: Set<String> = []

    init(_ text: String) throws {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                try #require(parts.count == 4, "bad TYPE line: \(line)")
                types[String(parts[2])] = String(parts[3])
            } else if line.hasPrefix("# HELP ") {
                helps.insert(String(line.split(separator: " ")[2]))
            } else {
                let space = try #require(line.lastIndex(of: " "), "bad sample line: \(line)")
                let value = try #require(Double(line[line.index(after: space)...]), "bad value: \(line)")
                let series = String(line[..<space])
                #expect(samples[series] == nil, "series twice: \(series)")
                samples[series] = value
            }
        }
    }
}

@Suite("KJobMetrics renders the Prometheus exposition")
struct KJobMetricsTests {
    @Test func freshRegistryExportsEveryFamilyWithHelpAndZeroSeries() throws {
        let metrics = KJobMetrics(nodeID: "s.sched-1", version: "1.2.3")
        let text = metrics.render()
        let exposition = try Exposition(text)
        let expected: [String: String] = [
            "kjob_build_info": "gauge", "kjob_leader": "gauge", "kjob_leader_epoch": "gauge",
            "kjob_leader_takeovers_total": "counter", "kjob_leader_demotions_total": "counter", "kjob_runs_total": "counter",
            "kjob_fire_lateness_seconds": "histogram", "kjob_queue_depth": "gauge", "kjob_running_children": "gauge",
            "kjob_spawn_duration_seconds": "histogram", "kjob_dispatch_attempts_total": "counter",
            "kjob_dispatch_failures_total": "counter", "kjob_dispatch_backlog": "gauge", "kjob_clock_skew_seconds": "gauge",
            "kjob_http_requests_total": "counter", "kjob_postgres_connects_total": "counter",
            "kjob_postgres_primary_changes_total": "counter", "kjob_postgres_refusals_total": "counter"
        ]
        #expect(exposition.types == expected)
        #expect(exposition.helps == Set(expected.keys), "every family has HELP text")
        #expect(exposition.samples[#"kjob_build_info{node="s.sched-1",version="1.2.3"}"#] == 1)
        #expect(exposition.samples[#"kjob_leader{node="s.sched-1"}"#] == 0)
        #expect(exposition.samples["kjob_leader_takeovers_total"] == 0)
        for status in ["succeeded", "failed", "timed_out", "cancelled", "lost", "skipped"] {
            #expect(exposition.samples["kjob_runs_total{status=\"\(status)\"}"] == 0, "\(status) exported before its first run")
        }
        #expect(exposition.samples[#"kjob_runs_total{status="queued"}"#] == nil, "no series for a non-final status")
        for code in ["1xx", "2xx", "3xx", "4xx", "5xx"] {
            #expect(exposition.samples["kjob_http_requests_total{code=\"\(code)\"}"] == 0)
        }
        #expect(exposition.samples[#"kjob_fire_lateness_seconds_count{trigger="scheduled"}"#] == 0)
        #expect(exposition.samples[#"kjob_dispatch_attempts_total{outcome="dead"}"#] == 0)
        #expect(exposition.samples[#"kjob_dispatch_failures_total{cause="http_5xx"}"#] == 0)
        #expect(exposition.samples[#"kjob_leader_demotions_total{reason="heartbeat-timeout"}"#] == 0)
    }

    @Test func leaseEventsMoveTheLeaderGaugeEpochAndCounters() throws {
        let metrics = KJobMetrics(nodeID: "a", version: "v")
        metrics.backlog(queuedRuns: 4, pendingDispatches: 2)
        metrics.promoted(epoch: 7)
        var exposition = try Exposition(metrics.render())
        #expect(exposition.samples[#"kjob_leader{node="a"}"#] == 1)
        #expect(exposition.samples["kjob_leader_epoch"] == 7)
        #expect(exposition.samples["kjob_leader_takeovers_total"] == 1)
        #expect(exposition.samples["kjob_queue_depth"] == 4)
        #expect(exposition.samples["kjob_dispatch_backlog"] == 2)

        metrics.demoted(.heartbeatTimeout)
        metrics.demoted(nil)
        exposition = try Exposition(metrics.render())
        #expect(exposition.samples[#"kjob_leader{node="a"}"#] == 0)
        #expect(exposition.samples["kjob_leader_epoch"] == 7, "the epoch last held stays visible")
        #expect(exposition.samples[#"kjob_leader_demotions_total{reason="heartbeat-timeout"}"#] == 1)
        #expect(exposition.samples["kjob_queue_depth"] == 0, "a standby exports no backlog")
        #expect(exposition.samples["kjob_dispatch_backlog"] == 0)
    }

    @Test func runsAndHistogramsCountIntoTheirBuckets() throws {
        let metrics = KJobMetrics(nodeID: "a", version: "v")
        metrics.runsEnded(.succeeded)
        metrics.runsEnded(.skipped, count: 3)
        metrics.runsEnded(.skipped, count: 0)
        metrics.runsEnded(.queued)
        metrics.childSpawned(trigger: .scheduled, lateness: .milliseconds(3), spawnDuration: .microseconds(800))
        metrics.childSpawned(trigger: .scheduled, lateness: .milliseconds(-40), spawnDuration: .milliseconds(20))
        metrics.childSpawned(trigger: nil, lateness: .seconds(90), spawnDuration: .milliseconds(2))
        metrics.runningChildren(+1)
        metrics.runningChildren(+1)
        metrics.runningChildren(-1)
        let exposition = try Exposition(metrics.render())
        #expect(exposition.samples[#"kjob_runs_total{status="succeeded"}"#] == 1)
        #expect(exposition.samples[#"kjob_runs_total{status="skipped"}"#] == 3)
        #expect(exposition.samples[#"kjob_runs_total{status="queued"}"#] == nil)
        // 3 ms and a clamped negative (0) on the scheduled series; the retry (nil trigger) is not lateness.
        #expect(exposition.samples[#"kjob_fire_lateness_seconds_count{trigger="scheduled"}"#] == 2)
        #expect(exposition.samples[#"kjob_fire_lateness_seconds_bucket{trigger="scheduled",le="0.001"}"#] == 1)
        #expect(exposition.samples[#"kjob_fire_lateness_seconds_bucket{trigger="scheduled",le="0.005"}"#] == 2)
        #expect(exposition.samples[#"kjob_fire_lateness_seconds_bucket{trigger="scheduled",le="+Inf"}"#] == 2)
        #expect(exposition.samples[#"kjob_fire_lateness_seconds_count{trigger="manual"}"#] == 0)
        #expect(exposition.samples["kjob_spawn_duration_seconds_count"] == 3)
        #expect(exposition.samples[#"kjob_spawn_duration_seconds_bucket{le="0.001"}"#] == 1)
        #expect(exposition.samples[#"kjob_spawn_duration_seconds_bucket{le="0.01"}"#] == 2)
        #expect(exposition.samples["kjob_running_children"] == 1)
    }

    @Test func dispatchHTTPAndClockSkew() throws {
        let metrics = KJobMetrics(nodeID: "a", version: "v")
        metrics.dispatchAttempted(.delivered, failure: nil)
        metrics.dispatchAttempted(.retry, failure: .http5xx)
        metrics.dispatchAttempted(.retry, failure: .timeout)
        metrics.httpResponse(status: 200)
        metrics.httpResponse(status: 204)
        metrics.httpResponse(status: 404)
        metrics.httpResponse(status: 999)
        // DatabaseClock's offset is database minus local: +250 ms means this node is 0.25 s behind.
        metrics.clockOffset(databaseMinusLocalMilliseconds: 250)
        let exposition = try Exposition(metrics.render())
        #expect(exposition.samples[#"kjob_dispatch_attempts_total{outcome="delivered"}"#] == 1)
        #expect(exposition.samples[#"kjob_dispatch_attempts_total{outcome="retry"}"#] == 2)
        #expect(exposition.samples[#"kjob_dispatch_failures_total{cause="http_5xx"}"#] == 1)
        #expect(exposition.samples[#"kjob_dispatch_failures_total{cause="timeout"}"#] == 1)
        #expect(exposition.samples[#"kjob_http_requests_total{code="2xx"}"#] == 2)
        #expect(exposition.samples[#"kjob_http_requests_total{code="4xx"}"#] == 1)
        #expect(exposition.samples["kjob_clock_skew_seconds"] == -0.25)
    }

    @Test func labelValuesAreEscapedAndNodesDoNotShareState() throws {
        let odd = KJobMetrics(nodeID: #"we"ird\node"#, version: "v")
        let other = KJobMetrics(nodeID: "b", version: "v")
        odd.promoted(epoch: 3)
        let text = odd.render()
        #expect(text.contains(#"kjob_leader{node="we\"ird\\node"} 1.0"#) || text.contains(#"kjob_leader{node="we\"ird\\node"} 1"#))
        let exposition = try Exposition(other.render())
        #expect(exposition.samples[#"kjob_leader{node="b"}"#] == 0, "another node's registry is untouched")
        #expect(exposition.samples["kjob_leader_takeovers_total"] == 0)
    }
}
