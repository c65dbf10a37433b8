import Foundation
import KJobTestSupport
import Testing

@Suite("kjob list over several pages", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct ListPagingCLITests {
    static let count = 2_345

    @Test("list, --json and --limit over more jobs than one page holds (1000)")
    func manyPages() async throws {
        try await CLIFixture.with { cli in
            try await cli.api.insertJobs(tenant: "a", count: Self.count)
            let expected = (1...Self.count).map { "job-" + String(10_000 + $0).dropFirst() }

            let table = try await cli.run(["list"], token: "a-viewer")
            #expect(table.status == 0, "\(table.stderr)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("SLUG ") == true, "one header, no TENANT column for one tenant: \(lines.first ?? "")")
            #expect(lines.filter { $0.hasPrefix("SLUG") }.count == 1)
            let rows = lines.dropFirst().map { String($0.split(separator: " ").first ?? "") }
            #expect(rows == expected, "every job once, in slug order across pages")
            #expect(lines.filter { $0.contains("(disabled)") }.count == Self.count / 7)
            #expect(table.stderr.isEmpty)

            let json = try await cli.run(["list", "--json"], token: "a-viewer")
            #expect(json.status == 0, "\(json.stderr)")
            let array = try #require(json.json as? [[String: Any]], "--json is one JSON array: \(json.stdout.prefix(200))")
            #expect(array.compactMap { $0["slug"] as? String } == expected)
            #expect(array.allSatisfy { $0["tenant"] as? String == "a" && $0["spec"] == nil })

            let limited = try await cli.run(["list", "--limit", "1500", "--json"], token: "a-viewer")
            #expect(limited.status == 0, "\(limited.stderr)")
            #expect((limited.json as? [[String: Any]])?.compactMap { $0["slug"] as? String } == Array(expected.prefix(1500)))
            #expect(limited.stderr.contains("showing the first 1500 jobs"))
            let exact = try await cli.run(["list", "--limit", "\(Self.count)"], token: "a-viewer")
            #expect(exact.stdout.split(separator: "\n").count == Self.count + 1)
            #expect(exact.stderr.isEmpty, "no note when nothing was left out: \(exact.stderr)")
            #expect(try await cli.run(["list", "--limit", "0"], token: "a-viewer").status == 2)

            // Every tenant (an unscoped token): the TENANT column, b's job after a's last page.
            try await cli.api.insertJobs(tenant: "b", prefix: "zz", count: 1)
            let all = try await cli.run(["list"], token: "viewer")
            #expect(all.status == 0, "\(all.stderr)")
            let allLines = all.stdout.split(separator: "\n")
            #expect(allLines.first?.hasPrefix("TENANT ") == true)
            #expect(allLines.count == Self.count + 2)
            #expect(allLines.last?.hasPrefix("b ") == true && allLines.last?.contains("zz-0001") == true)

            let empty = try await cli.run(["list", "--json", "--tenant", "nobody"], token: "viewer")
            #expect(empty.status == 0)
            #expect((empty.json as? [Any])?.isEmpty == true)
            #expect(try await cli.run(["list", "--tenant", "nobody"], token: "viewer").stdout == "no jobs\n")
        }
    }
}
