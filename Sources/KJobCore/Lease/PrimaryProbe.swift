import Foundation

/// What a server said about itself right after connect, and whether kjobd may use it.
///
/// The probe is one query (`pg_is_in_recovery()`, `transaction_read_only`,
/// `synchronous_standby_names`, `synchronous_commit`); this type only decides.
public struct PrimaryProbe: Sendable, Hashable {
    public var inRecovery: Bool
    public var transactionReadOnly: Bool
    public var synchronousStandbyNames: String
    public var synchronousCommit: String

    public init(inRecovery: Bool, transactionReadOnly: Bool, synchronousStandbyNames: String, synchronousCommit: String) {
        self.inRecovery = inRecovery
        self.transactionReadOnly = transactionReadOnly
        self.synchronousStandbyNames = synchronousStandbyNames
        self.synchronousCommit = synchronousCommit
    }

    public var isWritable: Bool { !inRecovery && !transactionReadOnly }

    /// A commit is acknowledged only once a standby has it: a standby is named and
    /// `synchronous_commit` waits for it (`off` and `local` do not).
    public var replicatesSynchronously: Bool {
        !synchronousStandbyNames.trimmingCharacters(in: .whitespaces).isEmpty
            && ["on", "remote_write", "remote_apply"].contains(synchronousCommit)
    }

    public enum Verdict: Sendable, Hashable {
        case use
        /// Usable, but say this loudly.
        case useWithWarning(String)
        case skip(PostgresHostRefusal, String)
    }

    public func verdict(requirement: ReplicationRequirement) -> Verdict {
        guard isWritable else {
            return .skip(.readOnly, inRecovery ? "in recovery (a standby)" : "transaction_read_only is on")
        }
        guard requirement != .off, !replicatesSynchronously else { return .use }
        let state =
            synchronousStandbyNames.trimmingCharacters(in: .whitespaces).isEmpty
            ? "synchronous_standby_names is empty"
            : "synchronous_commit is \(synchronousCommit)"
        let message =
            "the primary replicates asynchronously (\(state)): a failover could lose commits kjob relies on "
            + "(an epoch bump, a claim, a result, a dispatch), so an epoch could repeat or a finished run run again; "
            + "enable synchronous replication (Patroni: `synchronous_mode: true`; plain Postgres: synchronous_standby_names "
            + "and synchronous_commit = on), or set postgres.require_synchronous = \"warn\" or \"off\" to accept the risk"
        return requirement == .refuse ? .skip(.asynchronous, message) : .useWithWarning(message)
    }
}
