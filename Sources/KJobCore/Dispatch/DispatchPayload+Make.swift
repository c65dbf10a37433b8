import Foundation

extension DispatchPayload {
    /// Default bound for the stdout tail in `message.body`; chat relays cap messages at a few KB.
    public static let defaultTailBytes = 2_000

    /// Builds the payload from the facts of a finished run.
    ///
    /// - Parameters:
    ///   - stdout: the run's stdout (or its tail); only the last `tailBytes` bytes are kept,
    ///     cut on a UTF-8 boundary and marked with `…` when cut. NUL becomes U+FFFD
    ///     (``StorableText``): the payload is stored as `jsonb`.
    ///   - outcome: the run's terminal status; the title names it, `message.status` maps it.
    ///   - reason: why a run that did not succeed ended so (kill reason, spawn error); it follows
    ///     the output in the body.
    ///   - publicURL: `http.public_url`; when non-empty the body ends with a link to the run's log
    ///     and `run.log_url` is set.
    public static func make(
        channel: String,
        job: String,
        runID: String,
        scheduledFor: Date,
        attempt: Int,
        outcome: RunStatus,
        exitCode: Int32?,
        startedAt: Date,
        finishedAt: Date,
        stdout: String,
        reason: String? = nil,
        publicURL: String?,
        tailBytes: Int = defaultTailBytes
    ) -> DispatchPayload {
        let logURL = logURL(publicURL: publicURL, runID: runID)
        var body = tail(of: stdout, maxBytes: tailBytes)
        if body.isEmpty { body = "(no output)" }
        if outcome != .succeeded, let reason, !reason.isEmpty { body += "\n\n\(reason)" }
        if let logURL { body += "\n\nLog: \(logURL)" }
        return DispatchPayload(
            channel: channel,
            message: Message(title: "[\(job)] \(outcome.dispatchTitleVerb)", body: StorableText.clean(body), status: DispatchStatus(outcome)),
            run: Run(
                id: runID, job: job, scheduledFor: scheduledFor, attempt: attempt, exitCode: exitCode,
                startedAt: startedAt, finishedAt: finishedAt, logURL: logURL
            )
        )
    }

    /// `<public_url>/v1/runs/<run id>/log`, or `nil` when no public URL is configured.
    public static func logURL(publicURL: String?, runID: String) -> String? {
        guard var base = publicURL?.trimmingCharacters(in: .whitespaces), !base.isEmpty else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/v1/runs/\(runID)/log"
    }

    /// Captured stdout bytes as text: a tail cut inside a UTF-8 sequence loses the partial
    /// character; NUL and other invalid bytes become U+FFFD (``StorableText``).
    public static func text(ofTail bytes: some Collection<UInt8>) -> String {
        StorableText.decoding(bytes.drop { $0 & 0xC0 == 0x80 })
    }

    /// The last `maxBytes` UTF-8 bytes of `text`, never splitting a character.
    static func tail(of text: String, maxBytes: Int) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let utf8 = trimmed.utf8
        guard utf8.count > maxBytes else { return trimmed }
        var start = utf8.index(utf8.endIndex, offsetBy: -max(0, maxBytes))
        while start < utf8.endIndex, start.samePosition(in: trimmed) == nil {
            start = utf8.index(after: start)
        }
        return "…" + String(trimmed[start...])
    }
}
