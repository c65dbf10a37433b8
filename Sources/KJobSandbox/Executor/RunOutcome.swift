import Foundation
import KJobCore

/// Why kjob killed a run.
public enum KillReason: String, Sendable, Hashable {
    case timeout
    case cancelled
    /// The node lost the lease; the new active records the run as `lost`.
    case demoted
}

/// How a run ended, for the store (`runs` row) and the dispatcher.
public struct RunOutcome: Sendable, CustomStringConvertible {
    /// A terminal ``RunStatus``: succeeded, failed, timed_out, cancelled or lost.
    public var status: RunStatus
    /// How the main process ended; `nil` when it never started.
    public var termination: ProcessTermination?
    /// Set when kjob killed the run before its main process ended by itself.
    public var killReason: KillReason?
    /// Set when the run could not be set up or started.
    public var error: SandboxError?
    public var pid: Int32?
    public var startedAt: Date
    public var endedAt: Date
    public var log: LogSummary
    /// The last bytes of stdout (at most `stdout_tail_bytes`), for the dispatch body.
    public var stdoutTail: [UInt8]
    /// Sinks that failed during the run, with their error.
    public var sinkFailures: [String]
    /// The log file written, when `log_dir` is set.
    public var logFile: String?
    /// The working directory when it was kept.
    public var keptWorkdir: String?
    /// Whether processes were still alive after the final SIGKILL wait (should never happen with cgroups).
    public var strayProcesses: [Int32]

    public var exitCode: Int32? { termination?.exitCode }
    public var signal: Int32? { termination?.signal }

    static func status(termination: ProcessTermination?, killReason: KillReason?, error: SandboxError?) -> RunStatus {
        if let killReason {
            switch killReason {
            case .timeout: return .timedOut
            case .cancelled: return .cancelled
            case .demoted: return .lost
            }
        }
        if error != nil { return .failed }
        return termination == .exited(0) ? .succeeded : .failed
    }

    public var description: String {
        var parts = ["status=\(status.rawValue)"]
        if let termination { parts.append("termination=\(termination)") }
        if let killReason { parts.append("killed=\(killReason.rawValue)") }
        if let error { parts.append("error=\(error)") }
        parts.append("output=\(log.totalBytes)B kept=\(log.capturedBytes)B discarded=\(log.discardedBytes)B")
        parts.append("stdoutTail=\"\(String(decoding: stdoutTail.suffix(200), as: UTF8.self))\"")
        if !sinkFailures.isEmpty { parts.append("sinkFailures=\(sinkFailures)") }
        if !strayProcesses.isEmpty { parts.append("stray=\(strayProcesses)") }
        return "RunOutcome(" + parts.joined(separator: " ") + ")"
    }
}
