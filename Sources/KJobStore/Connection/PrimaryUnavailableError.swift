import KJobCore

/// No host of `postgres.url` is a usable primary; says what each one answered.
public struct PrimaryUnavailableError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Refusal: Hashable, Sendable {
        public var host: PostgresHost
        public var reason: PostgresHostRefusal
        public var detail: String
    }

    public var refusals: [Refusal]

    public init(refusals: [Refusal]) {
        self.refusals = refusals
    }

    /// Every host answered, and at least one is a primary refused for asynchronous replication:
    /// a setup to fix, not an outage to wait out.
    public var isAsynchronousPrimary: Bool {
        refusals.contains { $0.reason == .asynchronous } && !refusals.contains { $0.reason == .unreachable }
    }

    public var description: String {
        guard !refusals.isEmpty else { return "no writable Postgres primary found" }
        let hosts = refusals.map { "\($0.host): \($0.reason.rawValue) (\($0.detail))" }.joined(separator: "; ")
        return "no usable Postgres primary among the hosts of postgres.url: \(hosts)"
    }
}
