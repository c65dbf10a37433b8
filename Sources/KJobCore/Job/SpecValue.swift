import Foundation
import TOMLKit

/// A parsed TOML or JSON document as a plain tree, so one reader validates both formats.
enum SpecValue: Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    /// Entries in document order where the format keeps it (TOML tables come sorted by key).
    case table([(key: String, value: SpecValue)])
    case array([SpecValue])
    /// A value of a type no job field takes (TOML dates and times, JSON null), by its type name.
    case other(String)

    /// How error messages name this value's type.
    var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .bool: return "a boolean"
        case .table: return "a table"
        case .array: return "an array"
        case .other(let name): return name
        }
    }
}

extension SpecValue {
    init(toml value: any TOMLValueConvertible) {
        switch value.type {
        case .string: self = .string(value.string ?? "")
        case .int: self = .integer(Int64(value.int ?? 0))
        case .double: self = .float(value.double ?? 0)
        case .bool: self = .bool(value.bool ?? false)
        case .table: self = .table(value.table.map(SpecValue.entries(toml:)) ?? [])
        case .array: self = .array(value.array.map { $0.map { SpecValue(toml: $0) } } ?? [])
        case .date: self = .other("a date")
        case .time: self = .other("a time")
        case .dateTime: self = .other("a date-time")
        }
    }

    static func entries(toml table: TOMLTable) -> [(key: String, value: SpecValue)] {
        table.map { (key: $0.0, value: SpecValue(toml: $0.1)) }
    }
}

extension SpecValue: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .other("null")
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .float(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([SpecValue].self) {
            self = .array(value)
        } else {
            let object = try container.decode([String: SpecValue].self)
            self = .table(object.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
        }
    }
}
