import Foundation
import TOMLKit

extension JobSpec {
    /// Parses and validates a job file (`[job]` table). Throws every problem found.
    public init(toml text: String) throws(JobSpecError) {
        try self.init(tomlBytes: Array(text.utf8))
    }

    /// Parses and validates a job file from raw bytes, rejecting invalid UTF-8 with its position.
    public init(tomlBytes bytes: some Collection<UInt8>) throws(JobSpecError) {
        let text = try Self.documentText(Array(bytes), format: "TOML")
        if let (line, column) = Self.escapedNUL(in: text) {
            throw JobSpecError(errors: [
                FieldError(
                    field: "", message: "a \\u0000 escape: NUL characters cannot be passed to a process or an environment; remove it",
                    line: line, column: column)
            ])
        }
        if let problem = TOMLPreflight.check(text) {
            throw JobSpecError(errors: [
                FieldError(
                    field: "", message: "TOML syntax error: \(problem.message)", line: problem.line, column: problem.column)
            ])
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw JobSpecError(errors: [
                FieldError(
                    field: "", message: "TOML syntax error: \(error.description)",
                    line: error.source.begin.line, column: error.source.begin.column)
            ])
        } catch {
            throw JobSpecError(errors: [FieldError(field: "", message: "TOML syntax error: \(error)")])
        }

        var reader = JobSpecReader(prefix: Self.tomlFieldPrefix)
        var job: [(key: String, value: SpecValue)]?
        for (key, value) in SpecValue.entries(toml: root) {
            if key == "job" {
                if case .table(let entries) = value {
                    job = entries
                } else {
                    reader.report(FieldError(field: "job", message: "expected a [job] table, got \(value.typeName)"))
                }
            } else {
                let hint = KeySuggestion.closest(to: key, among: ["job"]).map { "did you mean [\($0)]? " } ?? ""
                let quoted = key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) ? key : "\"\(key)\""
                reader.report(FieldError(field: quoted, message: "unknown key \(quoted); \(hint)a job file holds one [job] table and nothing else"))
            }
        }
        if job == nil, !reader.errors.contains(where: { $0.field == "job" }) {
            reader.report(FieldError(field: "job", message: "no [job] table; start the file with [job] and put slug, prompt, agent and schedule under it"))
        }
        guard let job, let spec = reader.readJob(job), reader.errors.isEmpty else {
            throw JobSpecError(errors: reader.errors)
        }
        self = spec
    }

    /// The document as a string: bounded size, valid UTF-8, no raw NUL bytes.
    static func documentText(_ bytes: [UInt8], format: String) throws(JobSpecError) -> String {
        guard bytes.count <= JobSpecLimits.documentBytes else {
            throw JobSpecError(errors: [
                FieldError(
                    field: "",
                    message:
                        "the \(format) document is \(bytes.count) bytes; the limit is \(JobSpecLimits.documentBytes) (\(ByteSizeText.format(Int64(JobSpecLimits.documentBytes))))"
                )
            ])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let (offset, line, column) = firstInvalidUTF8(bytes)
            throw JobSpecError(errors: [
                FieldError(
                    field: "", message: "the \(format) document is not valid UTF-8 (byte offset \(offset)); save it as UTF-8",
                    line: line, column: column)
            ])
        }
        if let index = bytes.firstIndex(of: 0) {
            let (line, column) = position(of: index, in: bytes)
            throw JobSpecError(errors: [FieldError(field: "", message: "the \(format) document contains a NUL byte; remove it", line: line, column: column)])
        }
        return text
    }

    static func firstInvalidUTF8(_ bytes: [UInt8]) -> (offset: Int, line: Int, column: Int) {
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: break loop
            case .error: break loop
            }
        }
        let (line, column) = position(of: min(offset, bytes.count), in: bytes)
        return (offset, line, column)
    }

    /// 1-based line and column (in bytes) of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let before = bytes[..<offset]
        let line = before.count { $0 == 0x0A } + 1
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return (line, offset - lineStart + 1)
    }

    /// TOMLKit hands strings to Swift as C strings, so a `\u0000` escape would silently cut a
    /// value short; such escapes are refused before parsing.
    static func escapedNUL(in text: String) -> (line: Int, column: Int)? {
        let bytes = Array(text.utf8)
        for pattern in ["\\u0000", "\\U00000000"] {
            let needle = Array(pattern.utf8)
            guard bytes.count >= needle.count else { continue }
            var index = 0
            while index <= bytes.count - needle.count {
                if bytes[index] == 0x5C, Array(bytes[index..<index + needle.count]) == needle {
                    // An even run of backslashes before it means the backslash itself is escaped.
                    var run = 0
                    var back = index - 1
                    while back >= 0, bytes[back] == 0x5C {
                        run += 1
                        back -= 1
                    }
                    if run % 2 == 0 { return position(of: index, in: bytes) }
                }
                index += 1
            }
        }
        return nil
    }

    /// The spec as a job file; `JobSpec(toml: spec.toml()) == spec`.
    public func toml() -> String {
        var out = "[job]\n"
        func line(_ key: String, _ value: String) { out += "\(key) = \(value)\n" }
        line("slug", TOMLText.string(slug))
        if !description.isEmpty { line("description", TOMLText.string(description)) }
        line("prompt", TOMLText.string(prompt, multiline: prompt.contains("\n")))
        line("agent", TOMLText.string(agent))
        line("schedule", TOMLText.string(schedule.text))
        line("timezone", TOMLText.string(timezone))
        line("timeout", TOMLText.string(DurationText.format(timeout)))
        line("enabled", enabled ? "true" : "false")
        line("overlap", TOMLText.string(overlap.rawValue))
        if sandbox != .default {
            var parts = ["backend = \(TOMLText.string(sandbox.backend.rawValue))"]
            if let image = sandbox.image { parts.append("image = \(TOMLText.string(image))") }
            if sandbox.network { parts.append("network = true") }
            if let memory = sandbox.memoryBytes { parts.append("memory = \(TOMLText.string(ByteSizeText.format(memory)))") }
            if let cpu = sandbox.cpuMillicores { parts.append("cpu = \(Self.formatCores(cpu))") }
            if let pids = sandbox.pids { parts.append("pids = \(pids)") }
            line("sandbox", "{ \(parts.joined(separator: ", ")) }")
        }
        if retries != .default {
            line(
                "retries",
                "{ max = \(retries.maxRetries), backoff = \(TOMLText.string(retries.backoff.rawValue)), initial = \(TOMLText.string(DurationText.format(retries.initialDelay))), max_delay = \(TOMLText.string(DurationText.format(retries.maxDelay))) }"
            )
        }
        line("misfire", "{ policy = \(TOMLText.string(misfire.mode.rawValue)), window = \(TOMLText.string(DurationText.format(misfire.window))) }")
        if !env.isEmpty {
            line("env", "{ " + env.sorted { $0.key < $1.key }.map { "\(TOMLText.key($0.key)) = \(TOMLText.string($0.value))" }.joined(separator: ", ") + " }")
        }
        if outputs.count == 1, outputs[0].on == [.always] {
            line("output", "{ channel = \(TOMLText.string(outputs[0].channel)) }")
        } else if !outputs.isEmpty {
            for output in outputs {
                out += "\n[[job.output]]\n"
                line("channel", TOMLText.string(output.channel))
                line("on", "[" + output.on.map { TOMLText.string($0.rawValue) }.joined(separator: ", ") + "]")
            }
        }
        return out
    }
}
