/// The note of a pause (`kjob disable --note`): one short free text, stored and audited.
public enum PauseNote {
    /// At most this many bytes of UTF-8.
    public static let maxBytes = 1024

    /// Nil when `text` is acceptable; otherwise what is wrong and how to fix it.
    public static func problem(_ text: String) -> String? {
        if text.utf8.count > maxBytes {
            return "note is \(text.utf8.count) bytes; at most \(maxBytes) (1 KiB) are kept — shorten it"
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7F }) {
            return "note must not contain control characters (newlines and tabs are fine)"
        }
        return nil
    }
}
