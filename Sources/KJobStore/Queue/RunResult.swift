import Foundation

/// How a run ended, as the executor reports it to ``RunQueue/finish(_:result:epoch:)``.
public struct RunResult: Sendable, Hashable {
    /// Terminal statuses a finish may write.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case succeeded, failed
        case timedOut = "timed_out"
        case cancelled, lost

        /// A failed attempt the retry policy may repeat (an operator's cancel is not one).
        public var isRetryable: Bool { self == .failed || self == .timedOut || self == .lost }
    }

    public var status: Status
    public var exitCode: Int32?
    public var signal: Int32?
    /// Why, in words, when not plainly succeeded (spawn error, kill reason...).
    public var reason: String?
    public var finishedAt: Date
    public var logBytes: Int64
    public var logTruncated: Bool
    /// The end of stdout, for the dispatch body.
    public var stdoutTail: [UInt8]

    public init(status: Status, exitCode: Int32? = nil, signal: Int32? = nil, reason: String? = nil, finishedAt: Date,
                logBytes: Int64 = 0, logTruncated: Bool = false, stdoutTail: [UInt8] = []) {
        self.status = status
        self.exitCode = exitCode
        self.signal = signal
        self.reason = reason
        self.finishedAt = finishedAt
        self.logBytes = logBytes
        self.logTruncated = logTruncated
        self.stdoutTail = stdoutTail
    }
}
