/// Identifiers derived from the schema name: the NOTIFY channels.
///
/// Channels carry the schema so that clusters (and parallel test suites) sharing one database
/// never hear each other.
public struct StoreNames: Sendable, Hashable {
    public let schema: String

    /// `schema` must be a plain identifier (checked by the daemon config); it is spliced into SQL.
    public init(schema: String) {
        precondition(
            schema.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") } && !schema.isEmpty,
            "schema must be a plain lower-case identifier")
        self.schema = schema
    }

    /// Jobs created, edited, enabled, disabled or deleted.
    public var jobsChannel: String { "\(schema)_jobs" }
    /// A run became queued (new fire, retry, run-now).
    public var runsChannel: String { "\(schema)_runs" }
    /// An outbox row was written (a run's final outcome to deliver).
    public var dispatchesChannel: String { "\(schema)_dispatches" }
    /// The active released the lease gracefully.
    public var leaseChannel: String { "\(schema)_lease" }
}
