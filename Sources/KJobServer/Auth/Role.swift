/// What a token may do; each role includes the ones below it.
public enum Role: String, CaseIterable, Comparable, Sendable, Codable {
    /// Reads jobs, runs, logs and the cluster.
    case viewer
    /// Also runs, enables, disables and cancels.
    case `operator`
    /// Also creates, applies and deletes jobs.
    case admin

    var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}
