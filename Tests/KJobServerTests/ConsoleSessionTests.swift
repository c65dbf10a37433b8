import Foundation
import Hummingbird
import HummingbirdTesting
import KJobServer
import KJobStore
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("Console: sessions, CSRF and headers", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct ConsoleSessionTests {
    @Test("a valid token starts an HttpOnly, SameSite=Strict session; a bad one is refused on the form")
    func login() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                var browser = ConsoleTester(api)
                for bad in ["kjob_doesnotexist", fixture.tokens["revoked"]!, "", "not a token"] {
                    let refused = try await browser.login(bad)
                    #expect(refused.status == .unauthorized)
                    #expect(refused.text.contains("id=\"login-error\""))
                    #expect(refused.headers[.setCookie] == nil)
                }
                let ok = try await browser.login(fixture.tokens["operator"]!, next: "/ui/jobs?state=paused")
                #expect(ok.status == .seeOther)
                #expect(ok.headers[.location] == "/ui/jobs?state=paused")
                let cookie = try #require(ok.headers[.setCookie])
                for attribute in ["HttpOnly", "SameSite=Strict", "Path=/ui"] { #expect(cookie.contains(attribute)) }
                #expect(!cookie.contains("Secure"), "plain HTTP: a Secure cookie would never come back")
                #expect(!cookie.contains(fixture.tokens["operator"]!), "the token itself never goes to the browser")
                let page = try await browser.get("/ui/")
                #expect(page.status == .ok)
                #expect(page.text.contains("id=\"whoami\">operator"))
                let rows = try await fixture.client.query(
                    "SELECT count(*)::int FROM \(unescaped: fixture.db.names.schema).audit WHERE action = 'console.login' AND actor = 'operator'",
                    logger: fixture.db.logger)
                var logins = 0
                for try await count in rows.decode(Int.self) { logins = count }
                #expect(logins == 1)
            }
        }
    }

    @Test("without a session a page redirects to the login form, keeping where it was going; next never leaves the console")
    func redirects() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                let anonymous = try await api.call(.get, "/ui/jobs?q=a", token: nil)
                #expect(anonymous.status == .seeOther)
                #expect(anonymous.headers[.location] == "/ui/login?next=%2Fui%2Fjobs%3Fq%3Da")
                var browser = ConsoleTester(api)
                for next in ["//evil.example/x", "https://evil.example/", "/ui/../v1/jobs\\x", "/elsewhere"] {
                    let result = try await browser.login(fixture.tokens["viewer"]!, next: next)
                    #expect(result.headers[.location] == "/ui/", "next \(next)")
                }
                let post = try await api.call(.post, "/ui/logout", token: nil, body: "_csrf=x", contentType: "application/x-www-form-urlencoded")
                #expect(post.status == .unauthorized)
            }
        }
    }

    @Test("a POST with another session's or no CSRF field, or from another origin, is refused; logout ends the session")
    func csrfAndLogout() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                let browser = try await ConsoleTester.signedIn(api, as: "admin")
                let other = try await ConsoleTester.signedIn(api, as: "admin")
                #expect(browser.csrf != nil && browser.csrf != other.csrf)
                #expect(try await browser.post("/ui/logout", csrf: other.csrf!).status == .forbidden)
                #expect(try await browser.post("/ui/logout", csrf: "").status == .forbidden)
                let crossSite = try await browser.post("/ui/logout", headers: [.origin: "https://evil.example"])
                #expect(crossSite.status == .forbidden)
                var stillIn = browser
                #expect(try await stillIn.get("/ui/").status == .ok)
                let out = try await browser.post("/ui/logout")
                #expect(out.status == .seeOther)
                #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
                var after = browser
                #expect(try await after.get("/ui/").status == .seeOther)
            }
        }
    }

    @Test("revoking the token or idling past http.session_idle ends its sessions")
    func revocationAndIdle() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            try await fixture.test { api in
                var revoked = try await ConsoleTester.signedIn(api, as: "operator")
                var idle = try await ConsoleTester.signedIn(api, as: "viewer")
                _ = try await TokensRepository(client: fixture.client, names: fixture.db.names, logger: fixture.db.logger)
                    .revoke(name: "operator", actor: "test")
                #expect(try await revoked.get("/ui/").status == .seeOther)
                try await fixture.sql("UPDATE \(unescaped: fixture.db.names.schema).console_sessions SET last_seen_at = now() - interval '31 minutes'")
                #expect(try await idle.get("/ui/").status == .seeOther)
            }
        }
    }

    @Test("a session started on one node is valid on the other (both read console_sessions)")
    func bothNodes() async throws {
        try await APIFixture.with(prefix: "console") { fixture in
            var other = fixture.configuration
            other.nodeID = "second-node"
            let second = try APIServer.makeApplication(
                client: fixture.client, names: fixture.db.names, configuration: other,
                logger: fixture.db.logger)
            try await fixture.test { api in
                let browser = try await ConsoleTester.signedIn(api, as: "viewer")
                try await second.test(.router) { client in
                    var there = ConsoleTester(APITester(client: client, fixture: fixture))
                    there.cookie = browser.cookie
                    let page = try await there.get("/ui/")
                    #expect(page.status == .ok)
                    #expect(page.text.contains("id=\"node-id\">second-node"))
                }
            }
        }
    }

    @Test("every console response carries the CSP (frame-ancestors from the config) and nosniff; assets are immutable and small")
    func headersAndAssets() async throws {
        try await APIFixture.with(prefix: "console", configure: { $0.frameAncestors = "'self' https://ops.example" }) { fixture in
            try await fixture.test { api in
                var browser = ConsoleTester(api)
                for uri in ["/ui/login", "/ui/jobs"] {
                    let result = try await browser.get(uri)
                    let csp = try #require(result.headers[.contentSecurityPolicy], "\(uri)")
                    #expect(csp.contains("frame-ancestors 'self' https://ops.example"))
                    #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
                    #expect(result.headers[.xContentTypeOptions] == "nosniff")
                }
                let login = try await browser.get("/ui/login")
                var total = 0
                for path in login.text.matches(of: /(?:href|src)="(\/ui\/assets\/[^"]+)"/).map({ String($0.1) }) {
                    let asset = try await browser.get(path)
                    #expect(asset.status == .ok)
                    #expect(asset.headers[.cacheControl]?.contains("immutable") == true)
                    total += asset.bytes.count
                }
                #expect(total > 0 && total < 100 * 1024)
                #expect(try await browser.get("/ui/assets/console-00000000.js").status == .notFound)
            }
        }
    }
}
