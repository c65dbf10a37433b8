/// Why a host named in `postgres.url` was not used (a metrics label and a log field).
public enum PostgresHostRefusal: String, Sendable, Hashable, CaseIterable {
    /// No connection, or it failed before the probe answered.
    case unreachable
    /// In recovery (a standby) or `transaction_read_only` is on.
    case readOnly = "read_only"
    /// A writable primary without synchronous replication, under `require_synchronous = "refuse"`.
    case asynchronous
}
