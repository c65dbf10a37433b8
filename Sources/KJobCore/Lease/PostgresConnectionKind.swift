/// Which of kjobd's connections was opened (a metrics label and a log field).
public enum PostgresConnectionKind: String, Sendable, Hashable, CaseIterable {
    /// The dedicated lock session of the lease.
    case lock
    /// The LISTEN connection of the active's workers.
    case listen
    /// A connection of the work or API pool, relayed to the primary (only with a multi-host URL).
    case pool
    /// Migrations at start and `kjobd migrate`.
    case migrate
}
