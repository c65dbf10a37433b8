/// Why a fire was written down as a `skipped` run instead of running. Stored as the raw value.
public enum SkipReason: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// The fire's time passed while no node was active, and the misfire policy or window excluded it.
    case missed
    /// A run of the same job was still active and the overlap policy is `skip` (or the queue was full).
    case overlap
    /// The job was disabled when the fire came due.
    case disabled
    /// The job was deleted before the run started.
    case deleted
    /// A later missed fire ran instead (misfire policy `latest`).
    case superseded
    /// More missed fires were in the window than the misfire catch-up bound allows.
    case catchUpLimit = "catch_up_limit"
    /// The job's owner token no longer covers it (revoked, expired, or its role or tenant changed).
    case unauthorized

    /// A sentence for `kjob runs` and the API.
    public var explanation: String {
        switch self {
        case .missed: return "missed while no node was active; outside the misfire policy or window"
        case .overlap: return "a previous run of the job was still active"
        case .disabled: return "the job was disabled"
        case .deleted: return "the job was deleted"
        case .superseded: return "a later missed fire ran instead (misfire policy latest)"
        case .catchUpLimit: return "beyond the misfire catch-up bound"
        case .unauthorized: return "the job's owner token no longer covers it; re-apply the job with a valid token"
        }
    }

    public var description: String { rawValue }
}
