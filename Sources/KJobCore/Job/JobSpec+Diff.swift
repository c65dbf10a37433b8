import Foundation

extension JobSpec {
    /// The fields that differ from `self` to `new`, sorted by field, for the audit. Nested keys are
    /// compared one by one (`retries.max`), `output` as a whole, and each `env` variable by name
    /// with both values ``FieldChange/redacted``: a changed secret shows as changed, never as text.
    public func changes(to new: JobSpec) -> [FieldChange] {
        let before = auditFields
        let after = new.auditFields
        var changes = Set(before.keys).union(after.keys).compactMap { field in
            before[field] == after[field] ? nil : FieldChange(field: field, from: before[field], to: after[field])
        }
        for name in Set(env.keys).union(new.env.keys) where env[name] != new.env[name] {
            changes.append(
                FieldChange(
                    field: "env.\(name)", from: env[name].map { _ in FieldChange.redacted },
                    to: new.env[name].map { _ in FieldChange.redacted }))
        }
        return changes.sorted { $0.field < $1.field }
    }

    /// Every field but `env` as `path → text`: the API's JSON form, flattened one level.
    var auditFields: [String: String] {
        guard let data = try? JSONEncoder().encode(self), let value = try? JSONDecoder().decode(SpecValue.self, from: data),
            case .table(let entries) = value
        else {
            return [:]
        }
        var fields: [String: String] = [:]
        for (key, child) in entries where key != "env" {
            if case .table(let nested) = child {
                for (name, leaf) in nested { fields["\(key).\(name)"] = Self.auditText(leaf) }
            } else {
                fields[key] = Self.auditText(child)
            }
        }
        return fields
    }

    /// A value as one short line: scalars as written, arrays and tables inline.
    static func auditText(_ value: SpecValue) -> String? {
        func text(_ value: SpecValue) -> String? {
            switch value {
            case .string(let string): return string
            case .integer(let number): return String(number)
            case .float(let number): return String(number)
            case .bool(let flag): return String(flag)
            case .other: return nil
            case .array(let items): return "[" + items.compactMap(text).joined(separator: ", ") + "]"
            case .table(let entries):
                return "{" + entries.compactMap { key, child in text(child).map { "\(key) = \($0)" } }.joined(separator: ", ") + "}"
            }
        }
        return text(value).map(FieldChange.compact)
    }
}
