import Foundation
import Hummingbird
import KJobCore

/// Reads a job spec from a request body: `application/toml` or `application/json` (sniffed when
/// no type is given), bounded, validated, agents checked against the node.
enum SpecBody {
    /// The spec and the field prefix its errors use (`job.` for TOML, none for JSON).
    static func read(_ request: Request, configuration: APIConfiguration) async throws -> (JobSpec, String) {
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Problem.tooLarge(limit: limit)
        }
        let buffer = try await request.body.collect(upTo: limit)
        let bytes = Array(buffer.readableBytesView)
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let isJSON: Bool
        switch mediaType {
        case "application/json": isJSON = true
        case "application/toml", "text/toml", "application/x-toml": isJSON = false
        case "":
            isJSON = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
        default:
            throw Problem(.unsupportedMediaType, code: "unsupported-media-type", title: "Unsupported media type",
                          detail: "send the job as application/toml or application/json, not \(mediaType.prefix(80))")
        }
        let spec: JobSpec
        do {
            spec = try parse(bytes, isJSON: isJSON)
        } catch {
            throw Problem.invalidSpec(error)
        }
        let prefix = isJSON ? "" : JobSpec.tomlFieldPrefix
        if !configuration.agents.isEmpty {
            let context = JobValidationContext(agents: configuration.agents, availableBackends: Set(SandboxBackend.allCases))
            let errors = spec.validate(against: context, fieldPrefix: prefix)
            if !errors.isEmpty { throw Problem.invalidSpec(JobSpecError(errors: errors)) }
        }
        return (spec, prefix)
    }

    static func parse(_ bytes: [UInt8], isJSON: Bool) throws(JobSpecError) -> JobSpec {
        if isJSON { return try JobSpec(json: Data(bytes)) }
        return try JobSpec(tomlBytes: bytes)
    }
}
