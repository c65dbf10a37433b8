import Foundation

extension JobSpec {
    /// The TOML path prefix of every field (`job.retries.initial`).
    public static let tomlFieldPrefix = "job."

    /// Every problem with this spec's values, with field paths under `fieldPrefix`
    /// (`"job."` for TOML, `""` for the JSON API). Empty when the spec is valid.
    public func validate(fieldPrefix: String = JobSpec.tomlFieldPrefix) -> [FieldError] {
        problems().map { FieldError(field: fieldPrefix + $0.field, message: $0.message) }
    }

    /// Self if valid; else every problem.
    public func validated(fieldPrefix: String = JobSpec.tomlFieldPrefix) throws(JobSpecError) -> JobSpec {
        let errors = validate(fieldPrefix: fieldPrefix)
        guard errors.isEmpty else { throw JobSpecError(errors: errors) }
        return self
    }

    /// A problem with a field (path without prefix); `dependsOn` names other fields the check
    /// read, so a reader can drop it when one of those was itself unreadable.
    struct Problem: Hashable, Sendable {
        var field: String
        var message: String
        var dependsOn: [String] = []
    }

    func problems() -> [Problem] {
        var list: [Problem] = []
        func add(_ field: String, _ message: String?, dependsOn: [String] = []) {
            if let message { list.append(Problem(field: field, message: message, dependsOn: dependsOn)) }
        }
        add("slug", Slug.problem(slug))
        add("prompt", Self.promptProblem(prompt))
        add("agent", Self.agentProblem(agent))
        add("timezone", Self.timezoneProblem(timezone))

        if let image = sandbox.image {
            if !sandbox.backend.needsImage {
                add(
                    "sandbox.image",
                    "only docker and podman run an image; remove image or set backend = \"docker\" or \"podman\" (backend is \(sandbox.backend))",
                    dependsOn: ["sandbox.backend"])
            } else {
                add("sandbox.image", Self.imageProblem(image))
            }
        } else if sandbox.backend.needsImage {
            add("sandbox.image", "backend \(sandbox.backend) needs an image, e.g. image = \"docker.io/library/alpine:3\"", dependsOn: ["sandbox.backend"])
        }
        if let memory = sandbox.memoryBytes, !(JobSpecLimits.minMemoryBytes...JobSpecLimits.maxMemoryBytes).contains(memory) {
            add(
                "sandbox.memory",
                "must be between \(ByteSizeText.format(JobSpecLimits.minMemoryBytes)) and \(ByteSizeText.format(JobSpecLimits.maxMemoryBytes)); got \(ByteSizeText.format(memory))"
            )
        }
        if let cpu = sandbox.cpuMillicores, !(JobSpecLimits.minCPUMillicores...JobSpecLimits.maxCPUMillicores).contains(cpu) {
            add("sandbox.cpu", "must be between 0.01 and \(JobSpecLimits.maxCPUMillicores / 1000) cores; got \(Self.formatCores(cpu))")
        }
        if let pids = sandbox.pids, !(1...JobSpecLimits.maxPids).contains(pids) {
            add("sandbox.pids", "must be between 1 and \(JobSpecLimits.maxPids); got \(pids)")
        }

        if outputs.count > JobSpecLimits.outputs {
            add("output", "at most \(JobSpecLimits.outputs) outputs; got \(outputs.count)")
        }
        for (index, output) in outputs.enumerated() {
            let path = "output[\(index)]"
            add("\(path).channel", Self.channelProblem(output.channel))
            if output.on.isEmpty {
                add("\(path).on", "must name at least one of success, failure, always (or leave it out for always)")
            } else if Set(output.on).count != output.on.count {
                add("\(path).on", "lists an outcome twice; write each of success, failure, always at most once")
            }
        }

        if !(0...JobSpecLimits.maxRetries).contains(retries.maxRetries) {
            add("retries.max", "must be between 0 and \(JobSpecLimits.maxRetries) extra attempts; got \(retries.maxRetries)")
        }
        let initial = retries.initialDelay.milliseconds
        let maxDelay = retries.maxDelay.milliseconds
        if maxDelay <= 0 || maxDelay > JobSpecLimits.maxRetryDelayMilliseconds {
            add(
                "retries.max_delay",
                "must be more than 0 and at most \(DurationText.format(milliseconds: JobSpecLimits.maxRetryDelayMilliseconds)); got \(DurationText.format(milliseconds: maxDelay))"
            )
        }
        if initial <= 0 {
            add("retries.initial", "must be more than 0, e.g. \"30s\"")
        } else if maxDelay > 0, initial > maxDelay {
            add(
                "retries.initial",
                "must not exceed max_delay (\(DurationText.format(milliseconds: maxDelay))); got \(DurationText.format(milliseconds: initial))",
                dependsOn: ["retries.max_delay"])
        }

        let timeoutMs = timeout.milliseconds
        if timeoutMs <= 0 || timeoutMs > JobSpecLimits.maxTimeoutMilliseconds {
            add(
                "timeout",
                "must be more than 0 and at most \(DurationText.format(milliseconds: JobSpecLimits.maxTimeoutMilliseconds)); got \(DurationText.format(milliseconds: timeoutMs))"
            )
        }

        let window = misfire.window.milliseconds
        if window <= 0 || window > JobSpecLimits.maxMisfireWindowMilliseconds {
            add(
                "misfire.window",
                "must be more than 0 and at most \(DurationText.format(milliseconds: JobSpecLimits.maxMisfireWindowMilliseconds)); got \(DurationText.format(milliseconds: window))"
            )
        }

        if env.count > JobSpecLimits.envVariables {
            add("env", "at most \(JobSpecLimits.envVariables) variables; got \(env.count)")
        }
        let envBytes = env.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        if envBytes > JobSpecLimits.envBytes {
            add(
                "env",
                "names and values total \(envBytes) bytes; the limit is \(JobSpecLimits.envBytes) (\(ByteSizeText.format(Int64(JobSpecLimits.envBytes))))")
        }
        for (key, value) in env.sorted(by: { $0.key < $1.key }) {
            if let problem = JobEnvironmentPolicy.problem(key, value, backend: .process) {
                add("env.\(key)", problem)
            } else if let problem = JobEnvironmentPolicy.problem(key, value, backend: sandbox.backend) {
                add("env.\(key)", problem, dependsOn: ["sandbox.backend"])
            }
        }

        if description.utf8.count > JobSpecLimits.descriptionBytes {
            add(
                "description",
                "is \(description.utf8.count) bytes; the limit is \(JobSpecLimits.descriptionBytes) (\(ByteSizeText.format(Int64(JobSpecLimits.descriptionBytes))))"
            )
        }
        return list
    }

    static func promptProblem(_ prompt: String) -> String? {
        let size = prompt.utf8.count
        if prompt.allSatisfy(\.isWhitespace) { return "is empty; write what the agent should do" }
        if size > JobSpecLimits.promptBytes {
            return
                "is \(size) bytes; the limit is \(JobSpecLimits.promptBytes) bytes (\(ByteSizeText.format(Int64(JobSpecLimits.promptBytes)))); shorten it or point the agent at a file"
        }
        if prompt.utf8.contains(0) { return "contains a NUL character, which cannot be passed to a process; remove it" }
        return nil
    }

    static func agentProblem(_ agent: String) -> String? {
        let bytes = Array(agent.utf8)
        let hint = "name an agent from the node's [agents.*] config, e.g. \"demo\""
        guard !bytes.isEmpty else { return "is empty; \(hint)" }
        guard bytes.count <= JobSpecLimits.agentLength else { return "is longer than \(JobSpecLimits.agentLength) characters; \(hint)" }
        func ok(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E
        }
        guard bytes.allSatisfy(ok) else { return "\"\(agent)\" may only use letters, digits, '-', '_' and '.'; \(hint)" }
        return nil
    }

    static func timezoneProblem(_ zone: String) -> String? {
        guard !zone.isEmpty else { return "is empty; use an IANA zone such as \"Europe/Lisbon\", or leave it out for UTC" }
        guard TimeZone(identifier: zone) != nil else {
            return "unknown time zone \"\(zone)\"; use an IANA zone such as \"Europe/Lisbon\" or \"America/New_York\", or leave it out for UTC"
        }
        return nil
    }

    static func imageProblem(_ image: String) -> String? {
        if image.isEmpty { return "is empty; name an image, e.g. \"docker.io/library/alpine:3\"" }
        if image.utf8.count > JobSpecLimits.imageBytes { return "is longer than \(JobSpecLimits.imageBytes) bytes" }
        if image.hasPrefix("-") { return "must not start with '-'" }
        if image.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F || !$0.isASCII }) {
            return "\"\(image)\" has whitespace or characters other than printable ASCII; write a reference such as \"docker.io/library/alpine:3\""
        }
        return nil
    }

    static func channelProblem(_ channel: String) -> String? {
        if channel.isEmpty { return "is empty; name a relay channel, e.g. \"ops-chat\"" }
        if channel.utf8.count > JobSpecLimits.channelBytes { return "is longer than \(JobSpecLimits.channelBytes) bytes" }
        if channel.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "contains control characters; write the channel name on one line"
        }
        return nil
    }

    static func formatCores(_ millicores: Int) -> String {
        let whole = millicores / 1000
        var fraction = String(abs(millicores % 1000))
        while fraction.count < 3 { fraction = "0" + fraction }
        while fraction.hasSuffix("0") && fraction.count > 1 { fraction.removeLast() }
        return (millicores < 0 && whole == 0 ? "-" : "") + "\(whole).\(fraction)"
    }
}
