import Foundation
import KJobCore
import KJobStore
import Logging

/// Leader-only worker applying `[retention]` every `interval`: deletes old finished runs (their
/// log chunks and dispatches cascade), their log files under `executor.log_dir`, and audit entries
/// older than `retention.audit`.
public struct RetentionSweeper: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// `retention.keep_runs`: finished runs kept per job whatever their age.
        public var keepRuns: Int = 100
        /// `retention.max_age`: runs beyond `keepRuns` are deleted once finished this long ago.
        public var maxAge: Duration = .seconds(30 * 86_400)
        /// `executor.log_dir` ("" = no files to remove).
        public var logDir: String = ""
        /// Time between passes; the first pass runs at activation.
        public var interval: Duration = .seconds(300)
        /// `retention.audit`: audit entries are deleted once this old (they outlive jobs and runs).
        public var auditMaxAge: Duration = .seconds(365 * 86_400)
        public init() {}
    }

    public let configuration: Configuration
    public let retention: RunRetention
    public let now: @Sendable () -> Date
    private let logger: Logger

    public init(configuration: Configuration, retention: RunRetention, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.configuration = configuration
        self.retention = retention
        self.now = now
        self.logger = logger
    }

    /// Runs until cancelled or the epoch turns out stale (throws).
    public func run(epoch: Int64) async throws {
        while !Task.isCancelled {
            do {
                try await pass(epoch: epoch)
            } catch let error as StaleEpochError {
                throw error
            } catch {
                if Task.isCancelled { return }
                logger.warning("retention pass failed; retrying next interval", metadata: ["error": "\(String(reflecting: error))"])
            }
            try await Task.sleep(for: configuration.interval)
        }
    }

    /// One pass: deletes in batches until nothing is left to delete. Returns the runs deleted.
    @discardableResult
    public func pass(epoch: Int64) async throws -> [RunRetention.PrunedRun] {
        let cutoff = now().addingTimeInterval(-configuration.maxAge.timeInterval)
        let batch = 1000
        var all: [RunRetention.PrunedRun] = []
        while !Task.isCancelled {
            let pruned = try await retention.prune(epoch: epoch, keepRuns: configuration.keepRuns, cutoff: cutoff, limit: batch)
            all += pruned
            removeLogFiles(pruned)
            if pruned.count < batch { break }
        }
        if !all.isEmpty {
            logger.info("retention deleted old runs", metadata: ["count": "\(all.count)", "keep_runs": "\(configuration.keepRuns)"])
        }
        try await pruneAudit(epoch: epoch)
        return all
    }

    /// Deletes audit entries older than `auditMaxAge`, in batches. Returns how many.
    @discardableResult
    public func pruneAudit(epoch: Int64) async throws -> Int {
        let cutoff = now().addingTimeInterval(-configuration.auditMaxAge.timeInterval)
        let audit = AuditRepository(retention.context)
        let batch = 1000
        var total = 0
        while !Task.isCancelled {
            let deleted = try await audit.prune(epoch: epoch, before: cutoff, limit: batch)
            total += deleted
            if deleted < batch { break }
        }
        if total > 0 {
            logger.info("retention deleted old audit entries", metadata: ["count": "\(total)"])
        }
        return total
    }

    func removeLogFiles(_ runs: [RunRetention.PrunedRun]) {
        guard !configuration.logDir.isEmpty else { return }
        for run in runs {
            let path = "\(configuration.logDir)/\(run.job)/\(run.id.uuidString.lowercased()).log"
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch CocoaError.fileNoSuchFile {
                // Never written (log_dir set later, or the run never started).
            } catch {
                logger.warning("cannot remove an old run's log file", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
    }
}
