import Foundation
import KJobCore

/// What the executor needs from a job's stored spec (`kjob.jobs.spec_json`, the JSON form of the
/// `[job]` table): agent, prompt, sandbox, env, timeout, retries, overlap.
///
/// Minimal stand-in until `JobSpec(json:)` lands on main; then decode a `JobSpec` and map it.
/// Decoding is lenient (a missing field takes the documented default): the API validated the spec.
public struct RunSettings: Sendable, Hashable {
    public var agent: String
    public var prompt: String
    public var timeout: Duration
    public var env: [String: String]
    public var sandbox: Sandbox
    public var retries: Retries
    public var overlap: Overlap

    public struct Sandbox: Sendable, Hashable {
        public var backend = "process"
        public var image: String?
        public var network = false
        public var memoryBytes: Int64?
        public var cpus: Double?
        public var pids: Int?
        public init() {}
    }

    /// `retries = { max, backoff, initial, max_delay }`: exponential backoff with full jitter.
    public struct Retries: Sendable, Hashable {
        public var max = 0
        public var exponential = true
        public var initial: Duration = .seconds(30)
        public var maxDelay: Duration = .seconds(600)
        public init() {}

        /// Delay before the attempt after failed `attempt` (1-based), or nil when none remains.
        /// Full jitter: uniform in 0 … min(maxDelay, initial · 2^(attempt-1)).
        public func delay(afterFailedAttempt attempt: Int, random: (ClosedRange<Int64>) -> Int64 = { Int64.random(in: $0) }) -> Duration? {
            guard attempt >= 1, attempt <= max else { return nil }
            let initialMs = Swift.max(initial.milliseconds, 0)
            let cap = Swift.max(maxDelay.milliseconds, 0)
            guard exponential else { return .milliseconds(initialMs) }
            let shift = Swift.min(attempt - 1, 62)
            let (grown, overflow) = initialMs.multipliedReportingOverflow(by: Int64(1) << shift)
            let ceiling = overflow ? cap : Swift.min(grown, cap)
            return .milliseconds(random(0...ceiling))
        }
    }

    public enum Overlap: String, Sendable, Hashable {
        case skip, queue, allow, replace
    }

    public init(agent: String = "", prompt: String = "", timeout: Duration = .seconds(3600), env: [String: String] = [:],
                sandbox: Sandbox = Sandbox(), retries: Retries = Retries(), overlap: Overlap = .skip) {
        self.agent = agent
        self.prompt = prompt
        self.timeout = timeout
        self.env = env
        self.sandbox = sandbox
        self.retries = retries
        self.overlap = overlap
    }

    /// Reads the JSON spec; a malformed one is an error naming the field.
    public init(json: String) throws(RunSettingsError) {
        guard let data = json.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw RunSettingsError(field: "", message: "spec_json is not a JSON object")
        }
        self.init()
        func string(_ key: String, in table: [String: Any], path: String) throws(RunSettingsError) -> String? {
            guard let value = table[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else { throw RunSettingsError(field: path + key, message: "expected a string") }
            return text
        }
        func duration(_ key: String, in table: [String: Any], path: String) throws(RunSettingsError) -> Duration? {
            guard let text = try string(key, in: table, path: path) else { return nil }
            do { return try DurationText.parse(text) } catch {
                throw RunSettingsError(field: path + key, message: error.description)
            }
        }
        agent = try string("agent", in: object, path: "") ?? ""
        prompt = try string("prompt", in: object, path: "") ?? ""
        if let value = try duration("timeout", in: object, path: "") { timeout = value }
        if let value = object["env"] {
            guard let table = value as? [String: Any] else { throw RunSettingsError(field: "env", message: "expected an object of strings") }
            for (key, item) in table {
                guard let text = item as? String else { throw RunSettingsError(field: "env.\(key)", message: "expected a string") }
                env[key] = text
            }
        }
        if let value = try string("overlap", in: object, path: "") {
            guard let policy = Overlap(rawValue: value) else {
                throw RunSettingsError(field: "overlap", message: "expected skip, queue, allow or replace")
            }
            overlap = policy
        }
        if let value = object["sandbox"] {
            guard let table = value as? [String: Any] else { throw RunSettingsError(field: "sandbox", message: "expected an object") }
            if let backend = try string("backend", in: table, path: "sandbox.") { sandbox.backend = backend }
            sandbox.image = try string("image", in: table, path: "sandbox.")
            if let network = table["network"] as? Bool { sandbox.network = network }
            if let memory = try string("memory", in: table, path: "sandbox.") {
                do { sandbox.memoryBytes = try ByteSizeText.parse(memory) } catch {
                    throw RunSettingsError(field: "sandbox.memory", message: error.description)
                }
            }
            sandbox.cpus = (table["cpu"] as? NSNumber)?.doubleValue
            sandbox.pids = (table["pids"] as? NSNumber)?.intValue
        }
        if let value = object["retries"] {
            guard let table = value as? [String: Any] else { throw RunSettingsError(field: "retries", message: "expected an object") }
            if let max = table["max"] as? NSNumber { retries.max = max.intValue }
            if let backoff = try string("backoff", in: table, path: "retries.") {
                guard backoff == "exponential" || backoff == "fixed" else {
                    throw RunSettingsError(field: "retries.backoff", message: "expected exponential or fixed")
                }
                retries.exponential = backoff == "exponential"
            }
            if let initial = try duration("initial", in: table, path: "retries.") { retries.initial = initial }
            if let maxDelay = try duration("max_delay", in: table, path: "retries.") { retries.maxDelay = maxDelay }
        }
    }
}

/// A stored job spec the executor cannot use; the run fails with this message.
public struct RunSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var message: String
    public var description: String {
        "job spec field \"\(field.isEmpty ? "<root>" : field)\": \(message); re-apply the job with a valid spec"
    }
}
