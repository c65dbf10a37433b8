import Foundation
import KJobCore
import Testing

/// Problems with the file as a whole: syntax, encoding, size, keys outside the known set.
@Suite("JobSpec documents")
struct JobSpecDocumentTests {
    typealias F = JobSpecFixtures

    @Test func syntaxErrorsSayWhere() throws {
        let errors = F.errors("[job]\nslug = \"a\nprompt = \"p\"\n")
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.field == "")
        #expect(error.line == 2)
        #expect(error.column != nil)
        #expect(error.message.hasPrefix("TOML syntax error"))
        #expect(error.description.contains("line 2"))
    }

    @Test func duplicateKeysAreSyntaxErrors() throws {
        let error = try #require(F.errors(F.toml("slug = \"again\"")).first)
        #expect(error.field == "")
        #expect(error.line == 6)
    }

    @Test func missingJobTable() {
        #expect(F.errors("").map(\.field) == ["job"])
        #expect(F.errors("slug = \"a\"\n").map(\.field) == ["slug", "job"])
        #expect(F.errors("job = \"a\"\n").map(\.field) == ["job"])
        #expect(F.errors("job = \"a\"\n").first?.message.contains("expected a [job] table, got a string") == true)
    }

    @Test func unknownTopLevelTableSuggestsJob() throws {
        let errors = F.errors(F.toml() + "[jobs]\nx = 1\n")
        #expect(errors.map(\.field) == ["jobs"])
        #expect(errors[0].message.contains("did you mean [job]?"))
    }

    @Test(arguments: [
        ("slg = \"x\"", "job.slg", "did you mean slug?"),
        ("retries = { maxx = 3 }", "job.retries.maxx", "unknown key maxx; did you mean max? Known keys of job.retries: max, backoff, initial, max_delay"),
        ("retries = { max_dealy = \"1m\" }", "job.retries.max_dealy", "did you mean max_delay?"),
        (
            "sandbox = { gpu = 1 }", "job.sandbox.gpu",
            "unknown key gpu; did you mean cpu? Known keys of job.sandbox: backend, image, network, memory, cpu, pids"
        ),
        ("misfire = { polcy = \"all\" }", "job.misfire.polcy", "did you mean policy?"),
        ("output = { channel = \"x\", when = [\"failure\"] }", "job.output.when", "unknown key when; known keys of job.output: channel, on"),
        ("[[job.output]]\nchannel = \"x\"\nwhen = 1", "job.output[0].when", "unknown key when; known keys of job.output[0]: channel, on"),
        ("\"odd key\" = 1", "job.odd key", "unknown key \"odd key\""),
        ("timeout = \"1m\"\ntimeouts = \"2m\"", "job.timeouts", "did you mean timeout?")
    ])
    func unknownKeysAreErrors(line: String, field: String, fragment: String) throws {
        let errors = F.errors(F.toml(line))
        #expect(errors.map(\.field) == [field], "\(errors)")
        #expect(try #require(errors.first).message.contains(fragment), "\(errors)")
    }

    @Test func invalidUTF8IsRejectedWithItsPosition() throws {
        var bytes = Array(F.toml().utf8)
        let index = try #require(bytes.firstIndex(of: UInt8(ascii: "p")))
        bytes.insert(contentsOf: [0xC3, 0x28], at: index + 1)  // a broken two-byte sequence: line 3, column 2
        let errors = F.errors(bytes)
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.message.contains("not valid UTF-8"))
        #expect(error.line == 3)
        #expect(error.column == 2)
    }

    @Test func loneContinuationAndOverlongBytesAreRejected() {
        #expect(F.errors(Array(F.toml().utf8) + [0x80]).first?.message.contains("not valid UTF-8") == true)
        #expect(F.errors(Array(F.toml().utf8) + [0xC0, 0xAF]).first?.message.contains("not valid UTF-8") == true)
    }

    @Test func nulBytesAndEscapesAreRejected() throws {
        let raw = F.errors(Array(F.toml().utf8) + [0x00])
        #expect(raw.first?.message.contains("NUL byte") == true)
        let escaped = F.errors(F.toml(prompt: #""a\u0000b""#))
        #expect(escaped.first?.message.contains("\\u0000") == true)
        #expect(escaped.first?.line == 3)
        // An escaped backslash followed by "u0000" is plain text, not a NUL.
        #expect(try JobSpec(toml: F.toml(prompt: #""a\\u0000b""#)).prompt == #"a\u0000b"#)
    }

    @Test func oversizedDocumentIsRejectedBeforeParsing() {
        let text = F.toml("description = \"\(String(repeating: "x", count: JobSpecLimits.documentBytes))\"")
        let errors = F.errors(text)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("the limit is 262144 (256KiB)") == true)
    }
}
