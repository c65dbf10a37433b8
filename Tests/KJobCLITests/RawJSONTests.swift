import Foundation
import KJobClient
import Testing

@Suite("RawJSON: array elements passed through as bytes")
struct RawJSONTests {
    static func elements(_ text: String, _ key: String = "jobs") -> [String]? {
        RawJSON.arrayElements(key, in: Array(text.utf8))?.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("elements keep their bytes; brackets, commas and quotes inside strings do not split them")
    func elements() throws {
        let text = #"{"before":{"x":[1,{"jobs":[9]}]},"jobs":[{"a":"],\"}{[,"},{"b":[1,2]} , "s\\",null,-1.5e3,true,[]],"next":"a/b"}"#
        // The document is valid JSON, and each element is one of its array's values.
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let got = try #require(Self.elements(text))
        #expect(got == [#"{"a":"],\"}{[,"}"#, #"{"b":[1,2]}"#, #""s\\""#, "null", "-1.5e3", "true", "[]"])
        #expect(got.count == (parsed["jobs"] as? [Any])?.count)
        for element in got {
            #expect((try? JSONSerialization.jsonObject(with: Data(element.utf8), options: [.fragmentsAllowed])) != nil, "\(element)")
        }
    }

    @Test("whitespace, an empty array, and no such key")
    func edges() {
        #expect(Self.elements(" {\n \"jobs\" : [ ] , \"next\" : null }\n") == [])
        #expect(Self.elements("{ \"jobs\" :\n[ {\"a\" : 1} ,\n {} ]}") == [#"{"a" : 1}"#, "{}"])
        #expect(Self.elements(#"{"next":null}"#) == nil)
        #expect(Self.elements(#"{"jobs":{"a":1}}"#) == nil)
        #expect(Self.elements("[1,2]") == nil)
        #expect(Self.elements(#"{"jobs":[1,2"#) == nil)
        #expect(Self.elements("") == nil)
    }
}
