import Foundation
import KJobCore
import KJobTestSupport
import Testing

/// Hostile input: every outcome is a spec or a JobSpecError, never a crash or a hang.
@Suite("JobSpec robustness")
struct JobSpecRobustnessTests {
    typealias F = JobSpecFixtures

    @Test func standardTablesWorkLikeInlineOnes() throws {
        let spec = try JobSpec(
            toml: F.toml() + """

                [job.retries]
                max = 2

                [job.sandbox]
                backend = "bwrap"
                """)
        #expect(spec.retries.maxRetries == 2)
        #expect(spec.sandbox.backend == .bwrap)
    }

    @Test func oddShapesAreFieldErrors() {
        #expect(F.errors(F.toml() + "[[job.env]]\nA = \"1\"\n").map(\.field) == ["job.env"])
        #expect(F.errors(F.toml(#"env = { A.B = "x" }"#)).map(\.field) == ["job.env.A"])
        #expect(F.errors(F.toml("retries = { max = 9223372036854775807 }")).map(\.field) == ["job.retries.max"])
        #expect(F.errors(F.toml("description = " + String(repeating: "[", count: 300) + String(repeating: "]", count: 300))).count == 1)
        #expect(F.errors("[job]\n" + String(repeating: "a.", count: 1000) + "b = 1\n").count >= 1)
    }

    /// KJOB_FUZZ_ROUNDS raises the count for a longer hunt; KJOB_FUZZ_LAST names a file that
    /// holds the input being parsed, so a crash leaves its cause behind.
    static let rounds = ProcessInfo.processInfo.environment["KJOB_FUZZ_ROUNDS"].flatMap(Int.init) ?? 2_000

    @Test func headersThatUsedToAbortTheParserAreSyntaxErrors() throws {
        for text in ["[.ob]\n", "[job]\nslug = 1\n[=]\n", "[\n", "[[.a]]\n", "[ #x]\n", "[job]\n  [ .a]\n"] {
            let errors = F.errors(text)
            #expect(errors.count == 1, "\(text)")
            #expect(errors.first?.message.contains("a table header must start with a key") == true, "\(text)")
            #expect(errors.first?.line != nil)
        }
        // Look-alikes inside strings and arrays are not headers.
        let spec = try JobSpec(toml: F.toml(prompt: "\"\"\"\n[.not a header]\n\"\"\"", "env = { A = \"[.x]\" }\noutput = [\n  { channel = \"x\" },\n]"))
        #expect(spec.prompt == "[.not a header]\n")
    }

    /// KJOB_FUZZ_REPLAY=FILE replays one saved input (the file KJOB_FUZZ_LAST left behind): it must
    /// parse, or be refused with at least one error that says what is wrong.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KJOB_FUZZ_REPLAY"] != nil))
    func replaySavedInput() throws {
        let path = try #require(ProcessInfo.processInfo.environment["KJOB_FUZZ_REPLAY"])
        let errors = F.errors(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(errors.allSatisfy { !$0.message.isEmpty }, "\(errors)")
    }

    @Test func mutatedExamplesNeverCrash() throws {
        let seeds = try ExampleJobsTests.exampleFiles().map { Array(try Data(contentsOf: $0)) } + [Array(F.toml().utf8)]
        var random = SeededRandom(seed: 0x5EED)
        let alphabet = Array("[]{}=\"'#,.\n\\ 0aZ-_é\u{0}".utf8)
        var accepted = 0
        for round in 0..<Self.rounds {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let position = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: position)
                default: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                }
            }
            if let path = ProcessInfo.processInfo.environment["KJOB_FUZZ_LAST"] {
                _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            }
            do {
                let spec = try JobSpec(tomlBytes: bytes)
                accepted += 1
                #expect(try JobSpec(toml: spec.toml()) == spec)
            } catch {
                #expect(!error.errors.isEmpty)
            }
        }
        #expect(accepted > 0)
    }

    /// Short documents made of TOML's structural tokens, to reach the parser's corners.
    @Test func tokenSoupNeverCrashes() {
        let tokens = [
            "[", "]", "[[", "]]", "{", "}", ".", "=", ",", "\"", "'", "\"\"\"", "'''", "#", "\n", " ", "\\",
            "job", "slug", "a", "1", "1.5", "true", "-", "_", "é", "2026-01-01T00:00:00Z", "\"x\"", "inf", "0x1"
        ]
        var random = SeededRandom(seed: 0x70CE)
        for _ in 0..<Self.rounds {
            var text = ""
            for _ in 0..<(1 + Int(random.next() % 24)) { text += tokens[Int(random.next() % UInt64(tokens.count))] }
            if let path = ProcessInfo.processInfo.environment["KJOB_FUZZ_LAST"] {
                _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            }
            do {
                let spec = try JobSpec(toml: text)
                #expect(try JobSpec(toml: spec.toml()) == spec)
            } catch {
                #expect(!error.errors.isEmpty)
            }
        }
    }
}
