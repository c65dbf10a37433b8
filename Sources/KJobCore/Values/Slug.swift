/// The name rule for job slugs and tenants: `^[a-z0-9][a-z0-9-]{0,62}$`.
public enum Slug {
    /// Why `text` is not a slug, with a hint how to write one; nil when it is one.
    public static func problem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        let hint = "use 1 to \(JobSpecLimits.slugLength) lowercase letters, digits and '-', starting with a letter or digit, e.g. \"weekly-stack-audit\""
        guard !bytes.isEmpty else { return "is empty; \(hint)" }
        guard bytes.count <= JobSpecLimits.slugLength else { return "is \(bytes.count) characters long; \(hint)" }
        func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard isLowerAlnum(bytes[0]) else { return "\"\(text)\" must start with a lowercase letter or digit; \(hint)" }
        guard bytes.allSatisfy({ isLowerAlnum($0) || $0 == 0x2D }) else { return "\"\(text)\" has a character other than a-z, 0-9 and '-'; \(hint)" }
        return nil
    }

    public static func isValid(_ text: String) -> Bool { problem(text) == nil }
}
