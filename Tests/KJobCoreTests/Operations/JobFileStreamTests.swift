import Foundation
import KJobCore
import Testing

@Suite("Job file streams (kjob export / apply -f)")
struct JobFileStreamTests {
    static let a = "[job]\nslug = \"a\"\nprompt = \"p\"\nagent = \"k\"\nschedule = \"@daily\"\n"
    static let b = "[job]\nslug = \"b\"\nprompt = \"\"\"\nline one\n# --- c\n[job]\n\"\"\"\nagent = \"k\"\nschedule = \"@daily\"\n"

    @Test("join then split gives the files back; each part is a job file of its own")
    func roundTrip() throws {
        let stream = JobFileStream.join([("a", Self.a), ("b", Self.b)])
        #expect(stream.hasPrefix("# --- a\n[job]"))
        let parts = JobFileStream.split(stream)
        #expect(parts.map(\.name) == ["a", "b"])
        #expect(parts.map(\.text) == ["# --- a\n" + Self.a, "# --- b\n" + Self.b])
        #expect(parts.map(\.line) == [1, 7])
        #expect(parts.map(\.text).joined() == stream)
        #expect(try JobSpec(toml: parts[1].text).prompt == "line one\n# --- c\n[job]\n", "a marker inside a multi-line string does not split")
    }

    @Test("text without markers is one part; leading comments alone are no part; literal strings are followed too")
    func edges() {
        #expect(JobFileStream.split(Self.a).map(\.text) == [Self.a])
        #expect(JobFileStream.split(Self.a).first?.name == nil)
        let commented = "# exported by hand\n\n" + JobFileStream.join([("a", Self.a)])
        #expect(JobFileStream.split(commented).map(\.name) == ["a"])
        let literal = "# --- x\n[job]\nprompt = '''\n# --- y\n'''\n# --- z\n[job]\n"
        #expect(JobFileStream.split(literal).map(\.name) == ["x", "z"])
        let quoted = "# --- x\nprompt = \"a \\\"\"\"\" # '''\n# --- z\n"
        #expect(JobFileStream.split(quoted).map(\.name) == ["x", "z"], "quotes inside a basic string or a comment open nothing")
        #expect(JobFileStream.split("").isEmpty)
    }
}
