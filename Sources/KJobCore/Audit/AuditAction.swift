/// What an audit entry records (DESIGN §12). Stored as the raw value.
public enum AuditAction: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
    case jobCreate = "job.create"
    /// A replace (`apply`, `PUT`) or a partial update of an existing job.
    case jobUpdate = "job.update"
    case jobEnable = "job.enable"
    /// A pause; its note says why.
    case jobDisable = "job.disable"
    /// A soft delete.
    case jobDelete = "job.delete"
    case jobRestore = "job.restore"
    /// The job, its runs, logs and dispatches erased.
    case jobPurge = "job.purge"
    /// A run-now.
    case jobRun = "job.run"
    case jobBackfill = "job.backfill"
    /// The owner token stopped covering the job: its fires are skipped `unauthorized` until it is
    /// re-applied with a valid token. Written once per lapse, not per fire.
    case jobUnauthorized = "job.unauthorized"
    case runCancel = "run.cancel"
    case tokenCreate = "token.create"
    case tokenRevoke = "token.revoke"
    /// A web console session started (its note names the node).
    case consoleLogin = "console.login"
    case consoleLogout = "console.logout"
    /// A node took the lease (a new epoch).
    case leaseAcquire = "lease.acquire"

    public var description: String { rawValue }

    /// The actor of the daemon's own actions.
    public static let daemonActor = "kjobd"
}
