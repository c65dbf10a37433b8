import Foundation
import Hummingbird
import KJobCore

/// Reads a job spec from a request body: `application/toml` or `application/json` (sniffed when
/// no type is given), bounded, validated, agents checked against the node.
enum SpecBody {
    /// The spec and the field prefix its errors use (`job.` for TOML, none for JSON).
    static func read(_ request: Request, configuration: APIConfiguration) async throws -> (JobSpec, String) {
        let bytes = try await collect(request, limit: configuration.maxBodyBytes)
        let mediaType = Self.mediaType(request)
        let isJSON: Bool
        switch mediaType {
        case "application/json": isJSON = true
        case "application/toml", "text/toml", "application/x-toml": isJSON = false
        case "":
            isJSON = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
        default:
            throw Problem(
                .unsupportedMediaType, code: "unsupported-media-type", title: "Unsupported media type",
                detail: "send the job as application/toml or application/json, not \(mediaType.prefix(80))")
        }
        let spec: JobSpec
        do {
            spec = try parse(bytes, isJSON: isJSON)
        } catch {
            throw Problem.invalidSpec(error)
        }
        let prefix = isJSON ? "" : JobSpec.tomlFieldPrefix
        try checkAgainstNode(spec, prefix: prefix, configuration: configuration)
        return (spec, prefix)
    }

    /// The checks that need the node: the agent is one of its `[agents.*]`.
    static func checkAgainstNode(_ spec: JobSpec, prefix: String, configuration: APIConfiguration) throws {
        guard !configuration.agents.isEmpty else { return }
        let context = JobValidationContext(agents: configuration.agents, availableBackends: Set(SandboxBackend.allCases))
        let errors = spec.validate(against: context, fieldPrefix: prefix)
        if !errors.isEmpty { throw Problem.invalidSpec(JobSpecError(errors: errors)) }
    }

    /// The request body, refused (413) past `limit` bytes.
    static func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Problem.tooLarge(limit: limit)
        }
        let buffer = try await request.body.collect(upTo: limit)
        return Array(buffer.readableBytesView)
    }

    /// The Content-Type without parameters, lowercased; "" when absent.
    static func mediaType(_ request: Request) -> String {
        (request.headers[.contentType] ?? "").split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    static func parse(_ bytes: [UInt8], isJSON: Bool) throws(JobSpecError) -> JobSpec {
        if isJSON { return try JobSpec(json: Data(bytes)) }
        return try JobSpec(tomlBytes: bytes)
    }
}
