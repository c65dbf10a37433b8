import Foundation
import KJobCore
import KJobRelay
import KJobRelaySink

enum Fixtures {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func payload(job: String = "weekly-stack-audit", outcome: RunStatus = .succeeded) -> DispatchPayload {
        DispatchPayload.make(
            channel: "kode-chat:user-rpm32510", job: job, runID: "run-42",
            scheduledFor: t0, attempt: 1, outcome: outcome, exitCode: outcome == .timedOut ? nil : (outcome == .succeeded ? 0 : 3),
            startedAt: t0.addingTimeInterval(0.25), finishedAt: t0.addingTimeInterval(61.5),
            stdout: "all good\n", publicURL: "https://kjob.example/"
        )
    }

    static func dispatch(id: String = "dsp-\(UUID().uuidString.lowercased())") -> Dispatch {
        Dispatch(id: id, payload: payload())
    }

    /// A fresh directory under the system temp dir, removed by the caller when wanted.
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "kjob-relay-tests-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func pki(_ label: String, _ generator: SinkCertificates = SinkCertificates()) throws -> SinkCertificates.Files {
        try generator.generate(into: try temporaryDirectory(label))
    }
}
