import Foundation
import Hummingbird
import KJobServer
import KJobStore
import Logging
import PostgresNIO
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
    /// "METHOD /path" pairs declared under `paths:` (two-space path keys, four-space method keys).
    static func documentedOperations() -> Set<String> {
        var operations = Set<String>()
        var inPaths = false
        var path: String?
        for line in OpenAPIDocument.yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths, let first = line.first, first != " " { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.dropFirst(4).split(separator: ":").first.map(String.init) ?? ""
                if ["get", "put", "post", "delete", "patch", "head", "options"].contains(key) {
                    operations.insert("\(key.uppercased()) \(path)")
                }
            }
        }
        return operations
    }

    @Test("every route is documented and every documented operation is a route")
    func routesMatchDocument() throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // The router is built without touching the database: the pool is never run.
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", port: 1, username: "x", password: nil, database: "x", tls: .disable),
            backgroundLogger: logger)
        let router = APIServer.router(
            dependencies: APIDependencies(client: client, names: StoreNames(schema: "unused"), logger: logger),
            configuration: APIConfiguration())
        // The console's HTML pages (/ui) are not part of the API.
        let routed = Set(router.routes.filter { !$0.path.description.hasPrefix("/ui") }.map { "\($0.method) \($0.path.description)" })
        let documented = Self.documentedOperations()
        #expect(routed.count >= 17)
        #expect(routed.subtracting(documented).isEmpty, "routes missing from openapi.yaml: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
    }

    @Test("the document declares OpenAPI 3.1 and the problem schema")
    func header() {
        #expect(OpenAPIDocument.yaml.hasPrefix("openapi: 3.1.0\n"))
        #expect(OpenAPIDocument.yaml.contains("application/problem+json"))
        #expect(!OpenAPIDocument.yaml.contains("\t"))
    }
}
