import Foundation

/// Who a run is: the values children see as `KJOB_*` and the names of its files.
public struct RunIdentity: Sendable, Hashable {
    public var runID: String
    /// The job's slug (`^[a-z0-9][a-z0-9-]{0,62}$`); also the log directory name.
    public var job: String
    public var scheduledFor: Date
    public var attempt: Int
    public var epoch: Int64

    public init(runID: String, job: String, scheduledFor: Date, attempt: Int, epoch: Int64) {
        self.runID = runID
        self.job = job
        self.scheduledFor = scheduledFor
        self.attempt = attempt
        self.epoch = epoch
    }

    /// A name is safe as one path component: no separators, not `.` or `..`, printable ASCII.
    static func isSafePathComponent(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 200, text != ".", text != ".." else { return false }
        return text.unicodeScalars.allSatisfy {
            ($0.value >= 0x30 && $0.value <= 0x39) || ($0.value >= 0x41 && $0.value <= 0x5A)
                || ($0.value >= 0x61 && $0.value <= 0x7A) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }

    func validated() throws(SandboxError) -> RunIdentity {
        guard Self.isSafePathComponent(job) else {
            throw SandboxError(
                .invalidConfiguration, "job name \"\(job)\" cannot be used as a directory name",
                fix: "use a slug of letters, digits and dashes")
        }
        guard Self.isSafePathComponent(runID) else {
            throw SandboxError(
                .invalidConfiguration, "run id \"\(runID)\" cannot be used as a file name",
                fix: "use a UUID or another id of letters, digits and dashes")
        }
        return self
    }
}
