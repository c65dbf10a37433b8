/// Sizes as operators write them: `512B`, `64KiB`, `10MiB`, `1GiB`, or decimal `10MB`.
public enum ByteSizeText {
    static let units: [(suffix: String, bytes: Int64)] = [
        ("B", 1),
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000)
    ]

    static let hint = "write a whole number and a unit, e.g. 512B, 64KiB, 10MiB, 1GiB"

    public static func parse(_ text: String) throws(ValueParseError) -> Int64 {
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        let unit = text.dropFirst(digits.count)
        guard !digits.isEmpty else {
            throw ValueParseError(input: text, reason: "expected a number; \(hint)")
        }
        guard !unit.isEmpty else {
            throw ValueParseError(input: text, reason: "missing unit; \(hint)")
        }
        if unit.first == "." {
            throw ValueParseError(input: text, reason: "fractions are not accepted; use a smaller unit, e.g. 1536MiB for 1.5GiB")
        }
        guard let factor = units.first(where: { $0.suffix == unit })?.bytes else {
            throw ValueParseError(input: text, reason: "unknown unit \"\(unit)\"; use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB")
        }
        guard digits.count <= 18, let number = Int64(digits) else {
            throw ValueParseError(input: text, reason: "size is too large")
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw ValueParseError(input: text, reason: "size is too large") }
        return product
    }

    /// Binary units when exact, else bytes.
    public static func format(_ bytes: Int64) -> String {
        for (suffix, factor) in [("TiB", Int64(1) << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return "\(bytes)B"
    }
}
