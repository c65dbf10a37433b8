import Foundation
import KJobCore

/// How a run ended, as the executor reports it to ``RunQueue/finish(_:result:epoch:)``.
public struct RunResult: Sendable, Hashable {
    /// A terminal status a running run may move to (`RunStatus.running.allowedTransitions`).
    public var status: RunStatus
    public var exitCode: Int32?
    public var signal: Int32?
    /// Why, in words, when not plainly succeeded (spawn error, kill reason...).
    public var reason: String?
    public var finishedAt: Date
    public var logBytes: Int64
    public var logTruncated: Bool
    /// The end of stdout, for the dispatch body.
    public var stdoutTail: [UInt8]

    public init(
        status: RunStatus, exitCode: Int32? = nil, signal: Int32? = nil, reason: String? = nil, finishedAt: Date,
        logBytes: Int64 = 0, logTruncated: Bool = false, stdoutTail: [UInt8] = []
    ) {
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
