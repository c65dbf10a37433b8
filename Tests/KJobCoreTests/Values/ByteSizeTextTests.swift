import KJobCore
import Testing

@Suite("ByteSizeText")
struct ByteSizeTextTests {
    @Test(arguments: [
        ("512B", Int64(512)), ("64KiB", 65_536), ("10MiB", 10_485_760), ("1GiB", 1 << 30), ("2TiB", 2 << 40),
        ("10MB", 10_000_000), ("1KB", 1_000), ("3GB", 3_000_000_000), ("0B", 0)
    ])
    func parses(text: String, bytes: Int64) throws {
        #expect(try ByteSizeText.parse(text) == bytes)
    }

    @Test(arguments: [
        ("", "expected a number"),
        ("MiB", "expected a number"),
        ("10", "missing unit"),
        ("10mib", "unknown unit \"mib\""),
        ("10 MiB", "unknown unit \" MiB\""),
        ("1.5GiB", "fractions are not accepted"),
        ("-1MiB", "expected a number"),
        ("9999999999999999999B", "too large"),
        ("9000000TiB", "too large")
    ])
    func rejectsWithAReason(text: String, fragment: String) {
        #expect {
            try ByteSizeText.parse(text)
        } throws: { error in
            guard let error = error as? ValueParseError else { return false }
            return error.input == text && error.reason.contains(fragment)
        }
    }

    @Test(arguments: [Int64(0), 1, 1023, 1024, 1536, 1 << 20, 3 << 29, 1 << 30, 1 << 40, 1_000_000])
    func formatRoundTrips(bytes: Int64) throws {
        #expect(try ByteSizeText.parse(ByteSizeText.format(bytes)) == bytes)
    }

    @Test func formatUsesTheLargestExactBinaryUnit() {
        #expect(ByteSizeText.format(1536) == "1536B")
        #expect(ByteSizeText.format(3 << 29) == "1536MiB")
        #expect(ByteSizeText.format(1 << 30) == "1GiB")
        #expect(ByteSizeText.format(1_000_000) == "1000000B")
    }
}
