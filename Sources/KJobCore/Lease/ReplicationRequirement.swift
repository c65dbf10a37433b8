/// What kjobd demands of the primary's replication at connect (`postgres.require_synchronous`).
///
/// After a failover the new primary holds only what was replicated to it: with asynchronous
/// replication an acknowledged epoch bump, claim, result or outbox row can be missing there, so
/// an epoch could be taken twice or a finished run run again. Synchronous replication (Patroni
/// `synchronous_mode: true`) closes that gap.
public enum ReplicationRequirement: String, Sendable, Hashable, CaseIterable {
    /// A primary without synchronous replication is not used (kjobd keeps retrying, or refuses to start).
    case refuse
    /// It is used, with a warning at every connect.
    case warn
    /// Not checked.
    case off

    /// The default when the key is unset: `refuse` when the URL names several hosts (an HA
    /// setup), `off` with one (a lone server has no standby to lose commits to; behind a proxy
    /// or virtual IP in front of a cluster, set the key explicitly).
    public static func byDefault(hostCount: Int) -> ReplicationRequirement {
        hostCount > 1 ? .refuse : .off
    }
}
