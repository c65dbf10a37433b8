import Foundation

/// JSON for the HTTP API: the `[job]` table's keys as an object, durations and sizes as the same
/// strings as in TOML, `output` always an array. Decoding validates like the TOML reader and
/// throws a `JobSpecError` with every problem (field paths without the "job." prefix).
extension JobSpec: Codable {
    enum CodingKeys: String, CodingKey {
        case slug, prompt, agent, schedule, timezone, sandbox, output, retries, timeout, enabled, overlap, misfire, env, description
    }

    enum SandboxKeys: String, CodingKey { case backend, image, network, memory, cpu, pids }
    enum OutputKeys: String, CodingKey { case channel, on }
    enum RetriesKeys: String, CodingKey {
        case max, backoff, initial
        case maxDelay = "max_delay"
    }
    enum MisfireKeys: String, CodingKey { case policy, window }

    public init(from decoder: any Decoder) throws {
        let value = try SpecValue(from: decoder)
        self = try Self.read(json: value)
    }

    /// Parses and validates a JSON job object. Throws every problem found.
    public init(json data: Data) throws(JobSpecError) {
        let text = try Self.documentText(Array(data), format: "JSON")
        let value: SpecValue
        do {
            value = try JSONDecoder().decode(SpecValue.self, from: Data(text.utf8))
        } catch {
            throw JobSpecError(errors: [FieldError(field: "", message: "invalid JSON: \(Self.describe(error))")])
        }
        self = try Self.read(json: value)
    }

    static func read(json value: SpecValue) throws(JobSpecError) -> JobSpec {
        guard case .table(let entries) = value else {
            throw JobSpecError(errors: [FieldError(field: "", message: "expected a JSON object with the job's fields, got \(value.typeName)")])
        }
        var reader = JobSpecReader(prefix: "")
        guard let spec = reader.readJob(entries), reader.errors.isEmpty else {
            throw JobSpecError(errors: reader.errors)
        }
        return spec
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError { return "\(context.debugDescription) (\(underlying.localizedDescription))" }
            return context.debugDescription
        }
        return "\(error)"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(slug, forKey: .slug)
        try container.encode(prompt, forKey: .prompt)
        try container.encode(agent, forKey: .agent)
        try container.encode(schedule.text, forKey: .schedule)
        try container.encode(timezone, forKey: .timezone)

        var box = container.nestedContainer(keyedBy: SandboxKeys.self, forKey: .sandbox)
        try box.encode(sandbox.backend, forKey: .backend)
        try box.encodeIfPresent(sandbox.image, forKey: .image)
        try box.encode(sandbox.network, forKey: .network)
        try box.encodeIfPresent(sandbox.memoryBytes.map(ByteSizeText.format), forKey: .memory)
        try box.encodeIfPresent(sandbox.cpuCores, forKey: .cpu)
        try box.encodeIfPresent(sandbox.pids, forKey: .pids)

        var list = container.nestedUnkeyedContainer(forKey: .output)
        for output in outputs {
            var item = list.nestedContainer(keyedBy: OutputKeys.self)
            try item.encode(output.channel, forKey: .channel)
            try item.encode(output.on, forKey: .on)
        }

        var retry = container.nestedContainer(keyedBy: RetriesKeys.self, forKey: .retries)
        try retry.encode(retries.maxRetries, forKey: .max)
        try retry.encode(retries.backoff, forKey: .backoff)
        try retry.encode(DurationText.format(retries.initialDelay), forKey: .initial)
        try retry.encode(DurationText.format(retries.maxDelay), forKey: .maxDelay)

        try container.encode(DurationText.format(timeout), forKey: .timeout)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(overlap, forKey: .overlap)

        var miss = container.nestedContainer(keyedBy: MisfireKeys.self, forKey: .misfire)
        try miss.encode(misfire.mode, forKey: .policy)
        try miss.encode(DurationText.format(misfire.window), forKey: .window)

        try container.encode(env, forKey: .env)
        try container.encode(description, forKey: .description)
    }
}
