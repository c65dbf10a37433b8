import Foundation
import Hummingbird
import HummingbirdTesting
import KJobServer
import KJobStore
import KJobTestSupport
import Logging
import PostgresNIO
import Testing

/// Request helpers over a Hummingbird test client.
struct APITester: Sendable {
    let client: any TestClientProtocol
    let fixture: APIFixture

    struct Result: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var bytes: [UInt8]
        var text: String { String(decoding: bytes, as: UTF8.self) }
        var json: [String: Any] {
            ((try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]) ?? [:]
        }
        var object: Any? { try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) }
        var contentType: String? { headers[.contentType] }
        /// The `field`s of a problem's `errors`.
        var errorFields: [String] {
            ((object as? [String: Any])?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
        }
    }

    func call(
        _ method: HTTPRequest.Method, _ uri: String, token: String?, body: String? = nil, contentType: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Result {
        var headers = fixture.headers(token, contentType: contentType)
        headers.append(contentsOf: extra)
        let response = try await client.executeRequest(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return Result(status: response.status, headers: response.headers, bytes: Array(response.body.readableBytesView))
    }

    func callBytes(_ method: HTTPRequest.Method, _ uri: String, token: String?, body: [UInt8], contentType: String?) async throws -> Result {
        let response = try await client.executeRequest(
            uri: uri, method: method, headers: fixture.headers(token, contentType: contentType), body: ByteBuffer(bytes: body))
        return Result(status: response.status, headers: response.headers, bytes: Array(response.body.readableBytesView))
    }

    /// Creates a job with the admin (or given) token; expects 201.
    @discardableResult
    func createJob(_ slug: String, token: String = "admin", schedule: String = "0 9 * * MON", tenantQuery: String = "") async throws -> Result {
        let result = try await call(
            .post, "/v1/jobs\(tenantQuery)", token: token, body: JobTOML.make(slug: slug, schedule: schedule),
            contentType: "application/toml")
        #expect(result.status == .created, "create \(slug): \(result.text)")
        return result
    }

    /// Expects a problem+json response with this status.
    func expectProblem(_ result: Result, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "\(result.text)", sourceLocation: sourceLocation)
        #expect(result.contentType == "application/problem+json", sourceLocation: sourceLocation)
        let object = result.object as? [String: Any]
        #expect(object?["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
        #expect((object?["type"] as? String)?.hasPrefix("urn:kjob:problem:") == true, sourceLocation: sourceLocation)
        #expect(object?["title"] is String && object?["detail"] is String, sourceLocation: sourceLocation)
    }
}

enum JobTOML {
    static func make(slug: String, schedule: String = "0 9 * * MON", agent: String = "kode", extra: String = "") -> String {
        """
        [job]
        slug = "\(slug)"
        prompt = "/k-housekeep"
        agent = "\(agent)"
        schedule = "\(schedule)"
        timezone = "Europe/Lisbon"
        \(extra)
        """
    }
}
