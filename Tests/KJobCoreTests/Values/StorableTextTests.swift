import KJobCore
import Testing

@Suite("StorableText")
struct StorableTextTests {
    @Test func nulAndInvalidUTF8BecomeTheReplacementCharacter() {
        #expect(StorableText.decoding(Array("a".utf8) + [0x00] + Array("b".utf8)) == "a\u{FFFD}b")
        #expect(StorableText.decoding([0x61, 0xFF, 0xC3, 0x28, 0xF0, 0x9F, 0x98]) == "a\u{FFFD}\u{FFFD}(\u{FFFD}")
        #expect(StorableText.clean("x\0y\0") == "x\u{FFFD}y\u{FFFD}")
        #expect(StorableText.clean(nil as String?) == nil)
    }

    @Test func validTextIsUnchanged() {
        let text = "héllo — ✓ 🙂\n\t\u{1}"
        #expect(StorableText.clean(text) == text)
        #expect(StorableText.decoding(Array(text.utf8)) == text)
    }

    @Test func aDispatchBodyNeverHoldsNUL() throws {
        let payload = DispatchPayload.make(
            channel: "c", job: "j", runID: "r", scheduledFor: .init(timeIntervalSince1970: 0), attempt: 1, outcome: .failed, exitCode: 1,
            startedAt: .init(timeIntervalSince1970: 0), finishedAt: .init(timeIntervalSince1970: 1),
            stdout: DispatchPayload.text(ofTail: [0x61, 0x00, 0x62]), reason: "why\0not", publicURL: nil)
        #expect(payload.message.body == "a\u{FFFD}b\n\nwhy\u{FFFD}not")
        let json = String(decoding: try payload.jsonData(), as: UTF8.self)
        #expect(!json.contains("\\u0000"), "jsonb refuses \\u0000")
    }
}
