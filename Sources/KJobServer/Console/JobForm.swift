import Foundation
import KJobCore

/// The job form's fields as posted (or as filled from a stored spec), and their translation to
/// the API's job document: a create parses the same JSON object `POST /v1/jobs` takes, an edit
/// applies a JSON merge patch exactly as `PATCH /v1/jobs/{slug}` does, so both validate alike.
struct JobForm: Sendable, Hashable {
    var slug = ""
    var schedule = "0 9 * * *"
    var timezone = JobSpec.defaultTimezone
    var agent = ""
    var prompt = ""
    var enabled = true
    var timeout = DurationText.format(JobSpec.defaultTimeout)
    var overlap = OverlapPolicy.skip.rawValue
    var misfirePolicy = MisfirePolicy.default.mode.rawValue
    var misfireWindow = DurationText.format(MisfirePolicy.default.window)
    /// `KEY=VALUE` lines.
    var env = ""
    /// The TOML view; the source when `usesTOML`.
    var toml = ""
    var usesTOML = false
    /// The version the edit form was opened at (hidden field); nil on the create form.
    var version: Int64?

    /// The field names of the form, in the order they are shown (the contract's names).
    static let fields = [
        "slug", "schedule", "timezone", "agent", "prompt", "enabled", "timeout", "overlap",
        "misfire_policy", "misfire_window", "env", "toml"
    ]

    init() {}

    init(spec: JobSpec, version: Int64?) {
        slug = spec.slug
        schedule = spec.schedule.text
        timezone = spec.timezone
        agent = spec.agent
        prompt = spec.prompt
        enabled = spec.enabled
        timeout = DurationText.format(spec.timeout)
        overlap = spec.overlap.rawValue
        misfirePolicy = spec.misfire.mode.rawValue
        misfireWindow = DurationText.format(spec.misfire.window)
        env = spec.env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        toml = spec.toml()
        self.version = version
    }

    init(_ form: ConsoleForm) {
        func text(_ name: String) -> String { form[name] ?? "" }
        slug = text("slug").trimmingCharacters(in: .whitespaces)
        schedule = text("schedule").trimmingCharacters(in: .whitespaces)
        timezone = text("timezone").trimmingCharacters(in: .whitespaces)
        agent = text("agent").trimmingCharacters(in: .whitespaces)
        prompt = text("prompt").replacingOccurrences(of: "\r\n", with: "\n")
        enabled = form["enabled"] != nil
        timeout = text("timeout").trimmingCharacters(in: .whitespaces)
        overlap = text("overlap")
        misfirePolicy = text("misfire_policy")
        misfireWindow = text("misfire_window").trimmingCharacters(in: .whitespaces)
        env = text("env").replacingOccurrences(of: "\r\n", with: "\n")
        toml = text("toml").replacingOccurrences(of: "\r\n", with: "\n")
        usesTOML = form["mode"] == "toml"
        version = form["version"].flatMap { Int64($0) }
    }

    /// The `env` lines as a table; blank lines and `#` comments are skipped.
    func environment() throws(JobSpecError) -> [String: String] {
        var table: [String: String] = [:]
        var errors: [FieldError] = []
        for (index, raw) in env.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                errors.append(FieldError(field: "env", message: "line \(index + 1): write KEY=VALUE, such as REGION=eu"))
                continue
            }
            let key = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            guard table[key] == nil else {
                errors.append(FieldError(field: "env", message: "line \(index + 1): \(key) is set twice; keep one line"))
                continue
            }
            table[key] = String(line[line.index(after: equals)...])
        }
        if !errors.isEmpty { throw JobSpecError(errors: errors) }
        return table
    }

    /// The fields as the API's JSON job object; an empty optional field is left to its default
    /// (`null` in a merge patch, which removes the key), and env keys the spec had but the form no
    /// longer lists are removed.
    func document(previousEnv: [String: String] = [:], patch: Bool) throws(JobSpecError) -> [UInt8] {
        let table = try environment()
        var object: [String: Any] = [
            "slug": slug, "schedule": schedule, "agent": agent, "prompt": prompt, "enabled": enabled
        ]
        func optional(_ key: String, _ value: String) {
            if !value.isEmpty { object[key] = value } else if patch { object[key] = NSNull() }
        }
        optional("timezone", timezone)
        optional("timeout", timeout)
        optional("overlap", overlap)
        var misfire: [String: Any] = [:]
        if !misfirePolicy.isEmpty { misfire["policy"] = misfirePolicy } else if patch { misfire["policy"] = NSNull() }
        if !misfireWindow.isEmpty { misfire["window"] = misfireWindow } else if patch { misfire["window"] = NSNull() }
        if !misfire.isEmpty { object["misfire"] = misfire }
        var environment: [String: Any] = table
        if patch {
            for key in previousEnv.keys where table[key] == nil { environment[key] = NSNull() }
        }
        if !environment.isEmpty { object["env"] = environment }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            throw JobSpecError(errors: [FieldError(field: "", message: "the form could not be encoded as a job")])
        }
        return Array(data)
    }

    /// The spec of a new job: the TOML view, or the fields as `POST /v1/jobs` JSON.
    func newSpec() throws(JobSpecError) -> JobSpec {
        if usesTOML { return try JobSpec(tomlBytes: Array(toml.utf8)) }
        return try JobSpec(json: Data(try document(patch: false)))
    }

    /// The edited spec: the TOML view (whose slug must stay), or the fields merged onto `current`.
    func editedSpec(_ current: JobSpec) throws(JobSpecError) -> JobSpec {
        if usesTOML {
            let spec = try JobSpec(tomlBytes: Array(toml.utf8))
            guard spec.slug == current.slug else {
                throw JobSpecError(errors: [
                    FieldError(
                        field: JobSpec.tomlFieldPrefix + "slug",
                        message: "a job's slug cannot change (it is \"\(current.slug)\"); create a new job and delete this one")
                ])
            }
            return spec
        }
        return try current.applying(mergePatch: try document(previousEnv: current.env, patch: true), fieldPrefix: "")
    }

    /// Which form field shows an error about `path` (a job key as the API names it, with or
    /// without `job.`); nil for keys the form has no field for (sandbox, output, retries, ...),
    /// which the page lists above the form. Errors of a TOML source all belong to the TOML view.
    func field(for path: String) -> String? {
        if usesTOML { return "toml" }
        let key = path.hasPrefix(JobSpec.tomlFieldPrefix) ? String(path.dropFirst(JobSpec.tomlFieldPrefix.count)) : path
        switch key {
        case "slug", "schedule", "timezone", "agent", "prompt", "enabled", "timeout", "overlap": return key
        case "misfire", "misfire.policy": return "misfire_policy"
        case "misfire.window": return "misfire_window"
        case _ where key == "env" || key.hasPrefix("env."): return "env"
        default: return nil
        }
    }
}
