/// Text as Postgres `text` and `jsonb` columns accept it: neither takes NUL (U+0000; jsonb
/// refuses `\u0000`), and both need valid UTF-8. Job output is hostile input, so what a job
/// prints reaches such a column (dispatch bodies, reasons, delivery errors) only through here,
/// with NUL and every invalid UTF-8 sequence replaced by U+FFFD. Log chunks are `bytea` and
/// keep the raw bytes.
public enum StorableText {
    /// What NUL and invalid UTF-8 become.
    public static let replacement: Unicode.Scalar = "\u{FFFD}"

    /// `bytes` decoded as UTF-8: each invalid sequence and each NUL becomes U+FFFD.
    public static func decoding(_ bytes: some Collection<UInt8>) -> String {
        clean(String(decoding: bytes, as: UTF8.self))
    }

    /// `text` with each NUL replaced by U+FFFD (a Swift `String` is valid Unicode already).
    public static func clean(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.lazy.map { $0 == "\0" ? replacement : $0 })
        return String(scalars)
    }

    /// Same, for optional text.
    public static func clean(_ text: String?) -> String? {
        text.map { clean($0) }
    }
}
