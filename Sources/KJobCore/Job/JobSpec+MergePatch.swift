import Foundation

extension JobSpec {
    /// This spec with a JSON merge patch (RFC 7396) of job keys applied, validated like a new job.
    ///
    /// The patch is merged onto the spec's JSON form, where every key is present, so `null`
    /// removes a key and the reader's default applies (`{"timeout": null}` is back to 1h); arrays
    /// (`output`) are replaced whole. A patch never renames the job: `slug` may only repeat the
    /// current one. Errors name fields with `fieldPrefix` (`job.timeout`), including unknown keys,
    /// also those whose value is `null`.
    public func applying(mergePatch bytes: some Collection<UInt8>, fieldPrefix: String = JobSpec.tomlFieldPrefix) throws(JobSpecError) -> JobSpec {
        let text = try Self.documentText(Array(bytes), format: "JSON merge patch")
        let patch: SpecValue
        do {
            patch = try JSONDecoder().decode(SpecValue.self, from: Data(text.utf8))
        } catch {
            throw JobSpecError(errors: [FieldError(field: "", message: "invalid JSON: \(Self.describe(error))")])
        }
        guard case .table(let entries) = patch else {
            throw JobSpecError(errors: [
                FieldError(
                    field: "", message: "a merge patch is a JSON object of job keys, such as {\"timeout\": \"30m\"}; got \(patch.typeName)")
            ])
        }
        var errors: [FieldError] = []
        if let slugPatch = entries.first(where: { $0.key == "slug" })?.value {
            if case .string(let value) = slugPatch, value == slug {
            } else {
                errors.append(
                    FieldError(
                        field: fieldPrefix + "slug",
                        message: "a job's slug cannot change (it is \"\(slug)\"); create a new job from `kjob export` and delete this one"))
            }
        }
        errors += Self.unknownRemovals(in: entries, at: "", keys: JobSpecReader.jobKeys, prefix: fieldPrefix)
        guard errors.isEmpty else { throw JobSpecError(errors: errors) }

        let merged = Self.merge(patch, onto: specValue)
        guard case .table(let mergedEntries) = merged else {
            throw JobSpecError(errors: [FieldError(field: "", message: "the merged job is not an object")])
        }
        var reader = JobSpecReader(prefix: fieldPrefix)
        guard let spec = reader.readJob(mergedEntries), reader.errors.isEmpty else {
            throw JobSpecError(errors: reader.errors)
        }
        return spec
    }

    /// The spec as the tree its JSON form parses to (every key present).
    var specValue: SpecValue {
        guard let data = try? JSONEncoder().encode(self), let value = try? JSONDecoder().decode(SpecValue.self, from: data) else {
            return .table([])
        }
        return value
    }

    /// RFC 7396 MergePatch(target, patch); JSON null is `.other("null")`.
    static func merge(_ patch: SpecValue, onto target: SpecValue) -> SpecValue {
        guard case .table(let changes) = patch else { return patch }
        var entries: [(key: String, value: SpecValue)] = []
        if case .table(let existing) = target { entries = existing }
        for (key, value) in changes {
            let index = entries.firstIndex { $0.key == key }
            if case .other("null") = value {
                if let index { entries.remove(at: index) }
            } else if let index {
                entries[index].value = merge(value, onto: entries[index].value)
            } else {
                entries.append((key: key, value: merge(value, onto: .table([]))))
            }
        }
        return .table(entries)
    }

    /// `null` for a key no job has would vanish in the merge unnoticed; name it instead. (Unknown
    /// keys with a value survive the merge, and the reader names them.)
    static func unknownRemovals(in entries: [(key: String, value: SpecValue)], at path: String, keys: [String], prefix: String) -> [FieldError] {
        let nested = ["sandbox": JobSpecReader.sandboxKeys, "retries": JobSpecReader.retriesKeys, "misfire": JobSpecReader.misfireKeys]
        var errors: [FieldError] = []
        for (key, value) in entries {
            let full = path.isEmpty ? key : "\(path).\(key)"
            if !keys.contains(key) {
                if case .other("null") = value {
                    errors.append(FieldError(field: prefix + full, message: "unknown key \(key); known keys: \(keys.joined(separator: ", "))"))
                }
            } else if path.isEmpty, let inner = nested[key], case .table(let children) = value {
                errors += unknownRemovals(in: children, at: full, keys: inner, prefix: prefix)
            }
        }
        return errors
    }
}
