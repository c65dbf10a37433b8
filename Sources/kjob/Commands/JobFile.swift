import ArgumentParser
import Foundation
import KJobCore

/// A job file read for create/apply: validated locally (exit 2 on errors), sent as-is.
struct JobFile {
    var spec: JobSpec
    var bytes: [UInt8]
    var contentType: String

    /// One job from a file, or stdin for `-` (`kjob create`).
    init(path: String) throws {
        let documents = try Self.documents(at: path)
        guard documents.count == 1 else {
            throw ValidationError("\(path) holds \(documents.count) jobs; create takes one (kjob apply -f takes several)")
        }
        self = try documents[0].file.get()
    }

    init(name: String, bytes: [UInt8]) throws(ValidationError) {
        self.bytes = bytes
        let isJSON = name.hasSuffix(".json") || Self.looksLikeJSON(bytes)
        contentType = isJSON ? "application/json" : "application/toml"
        do {
            spec = try Self.parse(Data(bytes), isJSON: isJSON)
        } catch {
            throw ValidationError("\(name): \(error.description)")
        }
    }

    static func parse(_ data: Data, isJSON: Bool) throws(JobSpecError) -> JobSpec {
        if isJSON { return try JobSpec(json: data) }
        return try JobSpec(tomlBytes: Array(data))
    }

    static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
        bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
    }

    /// One job cut from a file, a directory or a stream, parsed or with its problem.
    struct Document {
        /// How reports name it: the path, with the job's marker and line when cut from a stream.
        var name: String
        var file: Result<JobFile, ValidationError>
    }

    /// The jobs at `path`: a directory's `*.toml` files in name order, or the jobs of one file
    /// (stdin for `-`), which may hold several TOML jobs after `# --- SLUG` markers (`kjob export`).
    static func documents(at path: String) throws -> [Document] {
        var isDirectory: ObjCBool = false
        if path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw ValidationError("cannot list directory \(path): \(error.localizedDescription)")
            }
            let files = names.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.sorted()
            guard !files.isEmpty else { throw ValidationError("\(path) holds no *.toml job files") }
            return try files.flatMap { try documents(at: (path as NSString).appendingPathComponent($0)) }
        }
        let data: Data?
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: path)
        }
        guard let data else { throw ValidationError("cannot read job file \(path)") }
        let bytes = Array(data)
        let name = path == "-" ? "stdin" : path
        guard !path.hasSuffix(".json"), !looksLikeJSON(bytes), let text = String(validating: bytes, as: UTF8.self) else {
            return [Document(name: name, file: Result { () throws(ValidationError) in try JobFile(name: name, bytes: bytes) })]
        }
        let parts = JobFileStream.split(text)
        guard parts.count > 1 else {
            return [Document(name: name, file: Result { () throws(ValidationError) in try JobFile(name: name, bytes: bytes) })]
        }
        return parts.map { part in
            let partName = "\(name):\(part.line)" + (part.name.map { " (\($0))" } ?? "")
            return Document(name: partName, file: Result { () throws(ValidationError) in try JobFile(name: partName, bytes: Array(part.text.utf8)) })
        }
    }
}
