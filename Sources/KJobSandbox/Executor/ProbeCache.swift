import KJobCore

/// Backend probe results by backend. A success holds for the life of the process (with the program
/// path the probe resolved); a failure only for `failureLifetime`, so a docker engine that was down
/// for a moment, or bubblewrap installed later, is found again without restarting kjobd.
struct ProbeCache: Sendable {
    /// A probe's answer: the backend's program (absolute path; `nil` for `process`) or why it is unavailable.
    typealias Answer = Result<String?, SandboxError>

    static let defaultFailureLifetime: Duration = .seconds(30)

    var failureLifetime: Duration
    private var entries: [SandboxBackend: (answer: Answer, at: ContinuousClock.Instant)] = [:]

    init(failureLifetime: Duration = Self.defaultFailureLifetime) {
        self.failureLifetime = failureLifetime
    }

    /// The remembered answer, or `nil` when the backend must be probed (again).
    func answer(for backend: SandboxBackend, now: ContinuousClock.Instant) -> Answer? {
        guard let entry = entries[backend] else { return nil }
        if case .failure = entry.answer, now - entry.at >= failureLifetime { return nil }
        return entry.answer
    }

    mutating func record(_ answer: Answer, for backend: SandboxBackend, at now: ContinuousClock.Instant) {
        entries[backend] = (answer, now)
    }
}
