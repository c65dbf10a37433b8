import Foundation

/// Reads a job from a document tree, collecting every problem instead of stopping at the first.
///
/// Type and format problems (a number where a duration string belongs, an unknown enum value) are
/// found here; range and cross-field rules live once, in `JobSpec.problems()`, and run on the
/// assembled spec, minus those that depend on a field that was already unreadable.
struct JobSpecReader {
    /// Prepended to every reported path: "job." for TOML, "" for JSON.
    let prefix: String
    private(set) var errors: [FieldError] = []
    /// Paths (without prefix) that could not be read.
    private var unreadable: Set<String> = []

    init(prefix: String) {
        self.prefix = prefix
    }

    static let jobKeys = [
        "slug", "prompt", "agent", "schedule", "timezone", "sandbox", "output", "retries", "timeout",
        "enabled", "overlap", "misfire", "env", "description"
    ]
    static let sandboxKeys = ["backend", "image", "network", "memory", "cpu", "pids"]
    static let outputKeys = ["channel", "on"]
    static let retriesKeys = ["max", "backoff", "initial", "max_delay"]
    static let misfireKeys = ["policy", "window"]

    mutating func fail(_ path: String, _ message: String) {
        unreadable.insert(path)
        errors.append(FieldError(field: prefix + path, message: message))
    }

    /// An error whose field is already a full path (document-level problems).
    mutating func report(_ error: FieldError) {
        errors.append(error)
    }

    /// Reads the `[job]` table's entries; nil when anything is wrong (see `errors`).
    mutating func readJob(_ entries: [(key: String, value: SpecValue)]) -> JobSpec? {
        let fields = known(entries, at: "", keys: Self.jobKeys)

        let slug = requiredString(fields["slug"], at: "slug", example: "\"weekly-stack-audit\"")
        let prompt = requiredString(fields["prompt"], at: "prompt", example: "\"summarise yesterday's alerts\"")
        let agent = requiredString(fields["agent"], at: "agent", example: "\"demo\"")
        let scheduleText = requiredString(fields["schedule"], at: "schedule", example: "\"0 9 * * MON\"")
        var schedule: Schedule?
        if let scheduleText {
            do {
                schedule = try Schedule(parsing: scheduleText)
            } catch {
                if let field = error.field {
                    fail("schedule", "\(field): \(error.message) (in \"\(error.input)\")")
                } else {
                    fail(
                        "schedule",
                        "\(error.message) (in \"\(error.input)\"); write 5- or 6-field cron, a macro such as @daily, \"@every 10m\" or \"@once 2026-12-06T10:00:00Z\""
                    )
                }
            }
        }
        let timezone = fields["timezone"].flatMap { string($0, at: "timezone") } ?? JobSpec.defaultTimezone
        let sandbox = fields["sandbox"].map { readSandbox($0) } ?? .default
        let (outputs, outputsInline) = fields["output"].map { readOutputs($0) } ?? ([], false)
        let retries = fields["retries"].map { readRetries($0) } ?? .default
        let timeout = fields["timeout"].flatMap { duration($0, at: "timeout") } ?? JobSpec.defaultTimeout
        let enabled = fields["enabled"].flatMap { bool($0, at: "enabled") } ?? true
        let overlap = fields["overlap"].flatMap { choice($0, at: "overlap", of: OverlapPolicy.self) } ?? .skip
        let misfire = fields["misfire"].map { readMisfire($0) } ?? .default
        let env = fields["env"].map { readEnv($0) } ?? [:]
        let description = fields["description"].flatMap { string($0, at: "description") } ?? ""

        // A missing or bad schedule is already reported; the placeholder lets the other rules run.
        guard let usedSchedule = schedule ?? Self.placeholderSchedule else { return nil }
        let spec = JobSpec(
            slug: slug ?? "", prompt: prompt ?? "", agent: agent ?? "",
            schedule: usedSchedule,
            timezone: timezone, sandbox: sandbox, outputs: outputs, retries: retries, timeout: timeout,
            enabled: enabled, overlap: overlap, misfire: misfire, env: env, description: description)

        // The inline form `output = { ... }` is one output, reported as `output.channel`.
        func asWritten(_ field: String) -> String {
            guard outputsInline, field.hasPrefix("output[0]") else { return field }
            return "output" + field.dropFirst("output[0]".count)
        }
        for problem in spec.problems() {
            let paths = ([problem.field] + problem.dependsOn).map(asWritten)
            if paths.contains(where: isUnreadable) { continue }
            errors.append(FieldError(field: prefix + paths[0], message: problem.message))
        }
        // Report in the order of the file format, whichever phase found the problem.
        errors = errors.enumerated().sorted { lhs, rhs in
            let (l, r) = (rank(lhs.element.field), rank(rhs.element.field))
            return l != r ? l < r : lhs.offset < rhs.offset
        }.map(\.element)
        return errors.isEmpty ? spec : nil
    }

    private func rank(_ field: String) -> Int {
        let path = field.hasPrefix(prefix) ? String(field.dropFirst(prefix.count)) : field
        let top = path.prefix { $0 != "." && $0 != "[" }
        return Self.jobKeys.firstIndex(of: String(top)) ?? Self.jobKeys.count
    }

    private func isUnreadable(_ path: String) -> Bool {
        unreadable.contains { bad in
            path == bad || path.hasPrefix(bad + ".") || path.hasPrefix(bad + "[")
                || (bad == "output" && path.hasPrefix("output["))
        }
    }

    private static let placeholderSchedule = try? Schedule(parsing: "@daily")

    // MARK: tables

    /// The entries of a table whose keys are all known; reports the others.
    mutating func known(_ entries: [(key: String, value: SpecValue)], at path: String, keys: [String]) -> [String: SpecValue] {
        var result: [String: SpecValue] = [:]
        for (key, value) in entries {
            if keys.contains(key) {
                result[key] = value
                continue
            }
            let full = join(path, key)
            let quotedKey = key.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) ? "\"\(key)\"" : key
            let knownKeys = "nown keys\(path.isEmpty ? "" : " of \(prefix)\(path)"): \(keys.joined(separator: ", "))"
            let message: String
            if let suggestion = KeySuggestion.closest(to: key, among: keys) {
                message = "unknown key \(quotedKey); did you mean \(suggestion)? K\(knownKeys)"
            } else {
                message = "unknown key \(quotedKey); k\(knownKeys)"
            }
            errors.append(FieldError(field: prefix + full, message: message))
        }
        return result
    }

    mutating func table(_ value: SpecValue, at path: String, example: String) -> [(key: String, value: SpecValue)]? {
        guard case .table(let entries) = value else {
            fail(path, "expected a table such as \(example), got \(value.typeName)")
            return nil
        }
        return entries
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    // MARK: scalars

    mutating func requiredString(_ value: SpecValue?, at path: String, example: String) -> String? {
        guard let value else {
            fail(path, "is required; e.g. \(path) = \(example)")
            return nil
        }
        return string(value, at: path)
    }

    mutating func string(_ value: SpecValue, at path: String) -> String? {
        guard case .string(let text) = value else {
            fail(path, "expected a string, got \(value.typeName)")
            return nil
        }
        return text
    }

    mutating func bool(_ value: SpecValue, at path: String) -> Bool? {
        guard case .bool(let flag) = value else {
            fail(path, "expected true or false, got \(value.typeName)")
            return nil
        }
        return flag
    }

    mutating func integer(_ value: SpecValue, at path: String) -> Int? {
        guard case .integer(let number) = value, let int = Int(exactly: number) else {
            fail(path, "expected an integer, got \(value.typeName)")
            return nil
        }
        return int
    }

    mutating func duration(_ value: SpecValue, at path: String) -> Duration? {
        guard case .string(let text) = value else {
            fail(path, "expected a duration string such as \"30s\", \"10m\" or \"1h30m\", got \(value.typeName)")
            return nil
        }
        do {
            return try DurationText.parse(text)
        } catch {
            fail(path, error.description)
            return nil
        }
    }

    mutating func size(_ value: SpecValue, at path: String) -> Int64? {
        guard case .string(let text) = value else {
            fail(path, "expected a size string such as \"512MiB\" or \"2GiB\", got \(value.typeName)")
            return nil
        }
        do {
            return try ByteSizeText.parse(text)
        } catch {
            fail(path, error.description)
            return nil
        }
    }

    /// Cores as an integer, a float or a decimal string ("1.5"); kept in thousandths.
    mutating func cores(_ value: SpecValue, at path: String) -> Int? {
        let hint = "write cores as a number, e.g. cpu = 1.5 or cpu = 2"
        let cores: Double?
        switch value {
        case .integer(let number): cores = Double(number)
        case .float(let number): cores = number
        case .string(let text):
            guard let number = Self.decimal(text) else {
                fail(path, "\"\(text)\" is not a number of cores; \(hint)")
                return nil
            }
            cores = number
        default:
            fail(path, "expected a number of cores, got \(value.typeName); \(hint)")
            return nil
        }
        guard let cores, cores.isFinite, cores >= 0, cores <= Double(JobSpecLimits.maxCPUMillicores) / 1000 else {
            fail(path, "must be between 0.01 and \(JobSpecLimits.maxCPUMillicores / 1000) cores; \(hint)")
            return nil
        }
        let millicores = cores * 1000
        guard abs(millicores - millicores.rounded()) < 1e-6 else {
            fail(path, "has more than three decimals; \(hint)")
            return nil
        }
        return Int(millicores.rounded())
    }

    /// Plain decimal text only: digits, at most one point, no sign or exponent.
    static func decimal(_ text: String) -> Double? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else {
            return nil
        }
        return Double(text)
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ value: SpecValue, at path: String, of _: Choice.Type) -> Choice?
    where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        guard case .string(let text) = value else {
            fail(path, "expected one of \(names.map { "\"\($0)\"" }.joined(separator: ", ")), got \(value.typeName)")
            return nil
        }
        guard let result = Choice(rawValue: text) else {
            var message = "unknown value \"\(text)\"; use one of \(names.joined(separator: ", "))"
            if let suggestion = KeySuggestion.closest(to: text.lowercased(), among: names) { message += " (did you mean \(suggestion)?)" }
            fail(path, message)
            return nil
        }
        return result
    }

    // MARK: sub-tables

    mutating func readSandbox(_ value: SpecValue) -> JobSpec.Sandbox {
        guard let entries = table(value, at: "sandbox", example: "{ backend = \"process\" }") else { return .default }
        let fields = known(entries, at: "sandbox", keys: Self.sandboxKeys)
        var sandbox = JobSpec.Sandbox()
        if let value = fields["backend"], let backend = choice(value, at: "sandbox.backend", of: SandboxBackend.self) {
            sandbox.backend = backend
        }
        sandbox.image = fields["image"].flatMap { string($0, at: "sandbox.image") }
        sandbox.network = fields["network"].flatMap { bool($0, at: "sandbox.network") } ?? false
        sandbox.memoryBytes = fields["memory"].flatMap { size($0, at: "sandbox.memory") }
        sandbox.cpuMillicores = fields["cpu"].flatMap { cores($0, at: "sandbox.cpu") }
        sandbox.pids = fields["pids"].flatMap { integer($0, at: "sandbox.pids") }
        return sandbox
    }

    /// One inline table (`output = { channel = "..." }`) or an array of tables (`[[job.output]]`).
    /// The flag says it was the inline form, so its fields are reported as `output.channel`.
    mutating func readOutputs(_ value: SpecValue) -> ([OutputTarget], Bool) {
        switch value {
        case .table(let entries):
            return (readOutput(entries, at: "output").map { [$0] } ?? [], true)
        case .array(let items):
            var outputs: [OutputTarget] = []
            for (index, item) in items.enumerated() {
                let path = "output[\(index)]"
                guard let entries = table(item, at: path, example: "{ channel = \"ops-chat\", on = [\"failure\"] }") else { continue }
                if let output = readOutput(entries, at: path) { outputs.append(output) }
            }
            return (outputs, false)
        default:
            fail("output", "expected a table such as { channel = \"ops-chat\" } or [[job.output]] tables, got \(value.typeName)")
            return ([], false)
        }
    }

    mutating func readOutput(_ entries: [(key: String, value: SpecValue)], at path: String) -> OutputTarget? {
        let fields = known(entries, at: path, keys: Self.outputKeys)
        let channel = requiredString(fields["channel"], at: "\(path).channel", example: "\"ops-chat\"")
        var on: [OutputEvent] = [.always]
        if let value = fields["on"] {
            if case .array(let items) = value {
                var events: [OutputEvent] = []
                var ok = true
                for (index, item) in items.enumerated() {
                    if let event = choice(item, at: "\(path).on[\(index)]", of: OutputEvent.self) { events.append(event) } else { ok = false }
                }
                if ok { on = events } else { unreadable.insert("\(path).on") }
            } else {
                fail("\(path).on", "expected an array such as [\"failure\"] or [\"success\", \"failure\"], got \(value.typeName)")
            }
        }
        return channel.map { OutputTarget(channel: $0, on: on) }
    }

    mutating func readRetries(_ value: SpecValue) -> RetryPolicy {
        guard let entries = table(value, at: "retries", example: "{ max = 3, backoff = \"exponential\", initial = \"30s\", max_delay = \"10m\" }") else {
            return .default
        }
        let fields = known(entries, at: "retries", keys: Self.retriesKeys)
        var retries = RetryPolicy.default
        if let value = fields["max"], let max = integer(value, at: "retries.max") { retries.maxRetries = max }
        if let value = fields["backoff"], let backoff = choice(value, at: "retries.backoff", of: RetryPolicy.Backoff.self) { retries.backoff = backoff }
        if let value = fields["initial"], let initial = duration(value, at: "retries.initial") { retries.initialDelay = initial }
        if let value = fields["max_delay"], let maxDelay = duration(value, at: "retries.max_delay") { retries.maxDelay = maxDelay }
        return retries
    }

    mutating func readMisfire(_ value: SpecValue) -> MisfirePolicy {
        guard let entries = table(value, at: "misfire", example: "{ policy = \"latest\", window = \"1h\" }") else { return .default }
        let fields = known(entries, at: "misfire", keys: Self.misfireKeys)
        var misfire = MisfirePolicy.default
        if let value = fields["policy"], let mode = choice(value, at: "misfire.policy", of: MisfirePolicy.Mode.self) { misfire.mode = mode }
        if let value = fields["window"], let window = duration(value, at: "misfire.window") { misfire.window = window }
        return misfire
    }

    mutating func readEnv(_ value: SpecValue) -> [String: String] {
        guard let entries = table(value, at: "env", example: "{ REGION = \"eu\" }") else { return [:] }
        var env: [String: String] = [:]
        for (key, value) in entries {
            if let text = string(value, at: "env.\(key)") { env[key] = text }
        }
        return env
    }
}
