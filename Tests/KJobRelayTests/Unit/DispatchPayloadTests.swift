import Foundation
import KJobCore
import KJobRelay
import Testing

@Suite("DispatchPayload")
struct DispatchPayloadTests {
    @Test("the body has exactly the DESIGN §9 shape")
    func shape() throws {
        let data = try Fixtures.payload().jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["channel", "message", "run"])
        #expect(object["channel"] as? String == "kode-chat:user-rpm32510")
        let message = try #require(object["message"] as? [String: Any])
        #expect(Set(message.keys) == ["title", "body", "status"])
        #expect(message["title"] as? String == "[weekly-stack-audit] completed")
        #expect(message["status"] as? String == "success")
        #expect(message["body"] as? String == "all good\n\nLog: https://kjob.example/v1/runs/run-42/log")
        let run = try #require(object["run"] as? [String: Any])
        #expect(Set(run.keys) == ["id", "job", "scheduled_for", "attempt", "exit_code", "started_at", "finished_at", "log_url"])
        #expect(run["scheduled_for"] as? String == "2027-01-15T08:00:00.000Z")
        #expect(run["started_at"] as? String == "2027-01-15T08:00:00.250Z")
        #expect(run["attempt"] as? Int == 1)
        #expect(run["exit_code"] as? Int == 0)
        #expect(run["log_url"] as? String == "https://kjob.example/v1/runs/run-42/log")
    }

    @Test("titles and statuses per outcome")
    func titles() {
        #expect(Fixtures.payload(outcome: .failed).message.title == "[weekly-stack-audit] failed")
        #expect(Fixtures.payload(outcome: .timedOut).message.title == "[weekly-stack-audit] timed out")
        #expect(Fixtures.payload(outcome: .timedOut).message.status == .timeout)
        #expect(Fixtures.payload(outcome: .cancelled).message.title == "[weekly-stack-audit] cancelled")
        #expect(Fixtures.payload(outcome: .lost).message.status == .failed)
    }

    @Test("absent exit code and log URL are sent as null; no link without public_url")
    func nulls() throws {
        var payload = DispatchPayload.make(
            channel: "c", job: "j", runID: "r", scheduledFor: Fixtures.t0, attempt: 2, outcome: .timedOut, exitCode: nil,
            startedAt: Fixtures.t0, finishedAt: Fixtures.t0, stdout: "", publicURL: "")
        #expect(payload.message.body == "(no output)")
        let text = String(decoding: try payload.jsonData(), as: UTF8.self)
        #expect(text.contains(#""exit_code":null"#))
        #expect(text.contains(#""log_url":null"#))
        payload.run.exitCode = 137
        #expect(try DispatchPayload.decode(fromJSON: payload.jsonData()) == payload)
    }

    @Test("the stdout tail is bounded and cut on a character boundary")
    func tail() {
        let stdout = String(repeating: "é", count: 5000) + "END"
        let payload = DispatchPayload.make(
            channel: "c", job: "j", runID: "r", scheduledFor: Fixtures.t0, attempt: 1, outcome: .succeeded, exitCode: 0,
            startedAt: Fixtures.t0, finishedAt: Fixtures.t0, stdout: stdout, publicURL: nil, tailBytes: 101)
        #expect(payload.message.body.hasPrefix("…é"))
        #expect(payload.message.body.hasSuffix("éEND"))
        #expect(payload.message.body.utf8.count <= 101 + "…".utf8.count)
        #expect(!payload.message.body.contains("\u{FFFD}"))
    }

    @Test("a Dispatch round-trips through Codable for the outbox")
    func roundTrip() throws {
        let dispatch = Fixtures.dispatch(id: "dsp-1")
        let data = try DispatchPayload.makeJSONEncoder().encode(dispatch)
        #expect(try DispatchPayload.makeJSONDecoder().decode(Dispatch.self, from: data) == dispatch)
    }
}
