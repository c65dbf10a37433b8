import Foundation
import Hummingbird
import HummingbirdTesting
import KJobCore
import KJobServer
import KJobTestSupport
import Testing

@Suite("HTTP API: upcoming fires", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct UpcomingAPITests {
    @Test("the next fires of the tenant's enabled, live jobs in time order, each job's later fires included")
    func order() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                for (slug, schedule) in [
                    ("five", "@every 5m"), ("twenty", "@every 20m"), ("hourly", "@hourly"), ("weekly", "0 9 * * MON"),
                    ("paused", "@every 5m"), ("gone", "@every 5m")
                ] {
                    try await api.createJob(slug, schedule: schedule, tenantQuery: "?tenant=a")
                }
                try await api.createJob("elsewhere", token: "b-admin", schedule: "@every 5m")
                _ = try await api.call(.post, "/v1/jobs/paused/disable?tenant=a", token: "admin")
                _ = try await api.call(.delete, "/v1/jobs/gone?tenant=a", token: "admin")

                let result = try await api.call(.get, "/v1/upcoming?within=2h", token: "a-viewer")
                #expect(result.status == .ok, "\(result.text)")
                let fires = (result.json["fires"] as? [[String: Any]]) ?? []
                let until = try #require((result.json["until"] as? String).flatMap { try? RFC3339.parse($0).date })
                #expect(result.json["truncated"] as? Bool == false)
                #expect(fires.allSatisfy { $0["tenant"] as? String == "a" })

                // Expected: from each job's pending fire, every fire before `until`, merged by time.
                var expected: [(Date, String)] = []
                for slug in ["five", "twenty", "hourly", "weekly"] {
                    let job = try await api.call(.get, "/v1/jobs/\(slug)?tenant=a", token: "admin")
                    let schedule = try Schedule(parsing: try #require(job.json["schedule"] as? String))
                    let zoneName = try #require(job.json["timezone"] as? String)
                    let zone = try #require(TimeZone(identifier: zoneName))
                    var at = try #require((job.json["next_fire_at"] as? String).flatMap { try? RFC3339.parse($0).date })
                    while at < until {
                        expected.append((at, slug))
                        at = try #require(schedule.nextFire(after: at, in: zone))
                    }
                }
                expected.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                let got = fires.map { ($0["scheduled_for"] as? String ?? "", $0["slug"] as? String ?? "") }
                #expect(got.map(\.0) == expected.map { RFC3339.formatUTCMilliseconds($0.0) })
                #expect(Set(got.map(\.1)) == Set(expected.map(\.1)))
                #expect(got.count >= 23 + 5 + 2, "about 24 fires of @every 5m, 6 of @every 20m and 2 of @hourly within 2h")
                #expect(fires.first?["schedule"] as? String != nil && fires.first?["timezone"] as? String == "Europe/Lisbon")

                let limited = try await api.call(.get, "/v1/upcoming?within=2h&limit=3", token: "a-viewer")
                #expect((limited.json["fires"] as? [[String: Any]])?.compactMap { $0["scheduled_for"] as? String } == Array(got.map(\.0).prefix(3)))
                #expect(limited.json["truncated"] as? Bool == true)

                // A token without a tenant sees every tenant unless it names one.
                let all = try await api.call(.get, "/v1/upcoming?within=10m", token: "viewer")
                #expect(Set(((all.json["fires"] as? [[String: Any]]) ?? []).compactMap { $0["tenant"] as? String }) == ["a", "b"])
                let onlyB = try await api.call(.get, "/v1/upcoming?within=10m&tenant=b", token: "viewer")
                #expect(((onlyB.json["fires"] as? [[String: Any]]) ?? []).allSatisfy { $0["slug"] as? String == "elsewhere" })
            }
        }
    }

    @Test("bad within and limit are 400s naming the field")
    func badQueries() async throws {
        try await APIFixture.with { fixture in
            try await fixture.test { api in
                for query in ["within=tomorrow", "within=0s", "within=400d", "within=-1h"] {
                    let result = try await api.call(.get, "/v1/upcoming?\(query)", token: "viewer")
                    api.expectProblem(result, .badRequest)
                    #expect(result.errorFields == ["within"], "\(query)")
                }
                #expect(try await api.call(.get, "/v1/upcoming?limit=0", token: "viewer").errorFields == ["limit"])
                api.expectProblem(try await api.call(.get, "/v1/upcoming", token: nil), .unauthorized)
                #expect(try await api.call(.get, "/v1/upcoming", token: "viewer").status == .ok)
            }
        }
    }
}
