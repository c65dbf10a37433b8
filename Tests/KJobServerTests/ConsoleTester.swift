import Foundation
import Hummingbird
import HummingbirdTesting
import KJobTestSupport
import Testing

/// A signed-in browser for the console's router tests: keeps the session cookie and the CSRF
/// field of the last page, and posts forms as a browser does.
struct ConsoleTester: Sendable {
    let api: APITester
    /// `kjob_session=…` once signed in.
    var cookie: String?
    var csrf: String?

    init(_ api: APITester) {
        self.api = api
    }

    /// Signs in with the fixture's token `name` (or a literal token); expects success.
    static func signedIn(_ api: APITester, as name: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> ConsoleTester {
        var tester = ConsoleTester(api)
        let result = try await tester.login(api.fixture.tokens[name] ?? name)
        #expect(result.status == .seeOther, "login as \(name): \(result.text)", sourceLocation: sourceLocation)
        let page = try await tester.get("/ui/")
        #expect(page.status == .ok, sourceLocation: sourceLocation)
        return tester
    }

    /// Posts the login form; keeps the cookie it sets.
    mutating func login(_ token: String, next: String? = nil) async throws -> APITester.Result {
        var form = "token=\(Self.encode(token))"
        if let next { form += "&next=\(Self.encode(next))" }
        let result = try await api.call(.post, "/ui/login", token: nil, body: form, contentType: "application/x-www-form-urlencoded")
        if let setCookie = result.headers[.setCookie], let pair = setCookie.split(separator: ";").first {
            cookie = String(pair)
        }
        return result
    }

    /// GETs a console URL with the session; remembers the page's CSRF field.
    mutating func get(_ uri: String) async throws -> APITester.Result {
        let result = try await api.call(.get, uri, token: nil, headers: cookieHeaders)
        if let token = Self.csrfField(in: result.text) { csrf = token }
        return result
    }

    /// POSTs a form with the session and (unless `csrf` is given) the last page's CSRF field.
    func post(
        _ uri: String, _ fields: [(String, String)] = [], csrf override: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> APITester.Result {
        var pairs = fields
        pairs.append(("_csrf", override ?? csrf ?? ""))
        let body = pairs.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var headers = cookieHeaders
        headers.append(contentsOf: extra)
        return try await api.call(.post, uri, token: nil, body: body, contentType: "application/x-www-form-urlencoded", headers: headers)
    }

    var cookieHeaders: HTTPFields {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return headers
    }

    static func csrfField(in html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
