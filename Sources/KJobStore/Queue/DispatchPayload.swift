import Foundation

/// The relay message for a finished run (DESIGN §9), built without I/O.
public struct DispatchPayload: Sendable, Hashable {
    /// Bytes of stdout tail put into the message body.
    public static let bodyTailBytes = 4096

    public struct Run: Sendable, Hashable {
        public var id: UUID
        public var job: String
        public var scheduledFor: Date
        public var attempt: Int
        public var exitCode: Int32?
        public var startedAt: Date?
        public var finishedAt: Date

        public init(id: UUID, job: String, scheduledFor: Date, attempt: Int, exitCode: Int32?, startedAt: Date?, finishedAt: Date) {
            self.id = id
            self.job = job
            self.scheduledFor = scheduledFor
            self.attempt = attempt
            self.exitCode = exitCode
            self.startedAt = startedAt
            self.finishedAt = finishedAt
        }
    }

    /// `success`, `failed` or `timeout`: the relay's three states (cancelled and lost are `failed`).
    public static func messageStatus(_ status: RunResult.Status) -> String {
        switch status {
        case .succeeded: "success"
        case .timedOut: "timeout"
        case .failed, .cancelled, .lost: "failed"
        }
    }

    public static func title(job: String, status: RunResult.Status) -> String {
        let word = switch status {
        case .succeeded: "completed"
        case .failed: "failed"
        case .timedOut: "timed out"
        case .cancelled: "cancelled"
        case .lost: "lost"
        }
        return "[\(job)] \(word)"
    }

    /// `<public_url>/v1/runs/<id>/log`, or nil when no public URL is configured.
    public static func logURL(publicURL: String, runID: UUID) -> String? {
        guard !publicURL.isEmpty else { return nil }
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        return "\(base)/v1/runs/\(runID.uuidString.lowercased())/log"
    }

    /// The body: the last `bodyTailBytes` of stdout (invalid UTF-8 replaced), then the log link.
    public static func body(stdoutTail: [UInt8], reason: String?, logURL: String?) -> String {
        var tail = stdoutTail.suffix(bodyTailBytes)
        // Do not start inside a UTF-8 sequence.
        while let first = tail.first, first & 0xC0 == 0x80 { tail = tail.dropFirst() }
        var parts: [String] = []
        let text = String(decoding: tail, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty { parts.append(text) }
        if let reason, !reason.isEmpty { parts.append(reason) }
        if let logURL { parts.append("log: \(logURL)") }
        return parts.joined(separator: "\n\n")
    }

    /// The JSON document POSTed to the relay, with sorted keys (stable, testable).
    public static func json(channel: String, run: Run, status: RunResult.Status, stdoutTail: [UInt8], reason: String?,
                            publicURL: String) -> String {
        let link = logURL(publicURL: publicURL, runID: run.id)
        var runObject: [String: Any] = [
            "id": run.id.uuidString.lowercased(),
            "job": run.job,
            "scheduled_for": rfc3339(run.scheduledFor),
            "attempt": run.attempt,
            "finished_at": rfc3339(run.finishedAt),
            "status": status.rawValue,
        ]
        runObject["exit_code"] = run.exitCode.map { Int($0) as Any } ?? NSNull()
        runObject["started_at"] = run.startedAt.map { rfc3339($0) as Any } ?? NSNull()
        runObject["log_url"] = link.map { $0 as Any } ?? NSNull()
        let document: [String: Any] = [
            "channel": channel,
            "message": [
                "title": title(job: run.job, status: status),
                "body": body(stdoutTail: stdoutTail, reason: status == .succeeded ? nil : reason, logURL: link),
                "status": messageStatus(status),
            ] as [String: Any],
            "run": runObject,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
