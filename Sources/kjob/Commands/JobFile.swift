import ArgumentParser
import Foundation
import KJobCore

/// A job file read for create/apply: validated locally (exit 2 on errors), sent as-is.
struct JobFile {
    var spec: JobSpec
    var bytes: [UInt8]
    var contentType: String

    init(path: String) throws {
        let data: Data?
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: path)
        }
        guard let data else { throw ValidationError("cannot read job file \(path)") }
        bytes = Array(data)
        let isJSON = path.hasSuffix(".json") || bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
        contentType = isJSON ? "application/json" : "application/toml"
        do {
            spec = try Self.parse(data, isJSON: isJSON)
        } catch {
            throw ValidationError("\(path): \(error.description)")
        }
    }

    static func parse(_ data: Data, isJSON: Bool) throws(JobSpecError) -> JobSpec {
        if isJSON { return try JobSpec(json: data) }
        return try JobSpec(tomlBytes: Array(data))
    }
}
