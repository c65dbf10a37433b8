import Foundation
import KJobCore
import Testing

/// RFC 7396 merge patches onto a job spec: values replace, null restores the default, the result
/// is validated like a new job and errors name `job.<key>`.
@Suite("JobSpec merge patch")
struct JobSpecMergePatchTests {
    static let base = try! JobSpec(
        toml: """
            [job]
            slug = "nightly"
            prompt = "report"
            agent = "kode"
            schedule = "0 2 * * *"
            timezone = "Europe/Lisbon"
            timeout = "30m"
            retries = { max = 3, backoff = "fixed", initial = "1m", max_delay = "10m" }
            output = { channel = "ops" }
            env = { A = "1", B = "2" }
            """)

    func patch(_ json: String) throws(JobSpecError) -> JobSpec {
        try Self.base.applying(mergePatch: Array(json.utf8))
    }

    func errors(_ json: String) -> [FieldError] {
        do {
            _ = try patch(json)
            return []
        } catch {
            return error.errors
        }
    }

    @Test("a value replaces the key; the other keys stay")
    func replace() throws {
        let spec = try patch(#"{"schedule": "15 3 * * *", "timeout": "45m"}"#)
        #expect(spec.schedule.text == "15 3 * * *")
        #expect(spec.timeout == .seconds(45 * 60))
        var expected = Self.base
        expected.schedule = spec.schedule
        expected.timeout = spec.timeout
        #expect(spec == expected)
    }

    @Test("null removes a key: its default applies")
    func nullRemoves() throws {
        let spec = try patch(#"{"timezone": null, "timeout": null, "retries": null, "output": null}"#)
        #expect(spec.timezone == JobSpec.defaultTimezone)
        #expect(spec.timeout == JobSpec.defaultTimeout)
        #expect(spec.retries == .default)
        #expect(spec.outputs.isEmpty)
        #expect(spec.prompt == "report")
    }

    @Test("nested objects merge key by key; env entries are removed with null")
    func nested() throws {
        let spec = try patch(#"{"retries": {"max": 1}, "env": {"A": null, "C": "3"}}"#)
        #expect(spec.retries.maxRetries == 1)
        #expect(spec.retries.initialDelay == .seconds(60), "the other retries keys stay")
        #expect(spec.env == ["B": "2", "C": "3"])
    }

    @Test("bad values and unknown keys name the field, also an unknown key set to null")
    func fieldErrors() {
        #expect(errors(#"{"timeout": "soon"}"#).map(\.field) == ["job.timeout"])
        #expect(errors(#"{"schedule": "61 * * * *"}"#).map(\.field) == ["job.schedule"])
        #expect(errors(#"{"timout": "5m"}"#).map(\.field) == ["job.timout"])
        #expect(errors(#"{"timout": "5m"}"#).first?.message.contains("did you mean timeout?") == true)
        #expect(errors(#"{"bogus": null}"#).map(\.field) == ["job.bogus"])
        #expect(errors(#"{"retries": {"maxx": null}}"#).map(\.field) == ["job.retries.maxx"])
        #expect(errors(#"{"prompt": null}"#).map(\.field) == ["job.prompt"], "a required key cannot be removed")
        #expect(errors(#"{"retries": {"max": 500}}"#).map(\.field) == ["job.retries.max"])
    }

    @Test("the slug cannot change; repeating it is fine")
    func slug() throws {
        #expect(errors(#"{"slug": "other"}"#).map(\.field) == ["job.slug"])
        #expect(errors(#"{"slug": null}"#).map(\.field) == ["job.slug"])
        #expect(try patch(#"{"slug": "nightly", "prompt": "x"}"#).prompt == "x")
    }

    @Test("a patch that is not a JSON object is a syntax error (no field)")
    func notAnObject() {
        for body in ["[1]", "\"x\"", "null", "{", "", "{\"a\": 1} trailing"] {
            let found = errors(body)
            #expect(!found.isEmpty && found.allSatisfy { $0.field.isEmpty }, "\(body): \(found)")
        }
    }

    @Test("an empty patch changes nothing; the JSON prefix is configurable")
    func emptyAndPrefix() throws {
        #expect(try patch("{}") == Self.base)
        do {
            _ = try Self.base.applying(mergePatch: Array(#"{"timeout": 5}"#.utf8), fieldPrefix: "")
            Issue.record("a number for timeout was accepted")
        } catch {
            #expect(error.fields == ["timeout"])
        }
    }
}
