/// `GET /admin/stats`.
public struct SinkStats: Sendable, Codable, Hashable {
    /// Dispatch requests seen, whatever happened to them.
    public var requests: Int = 0
    /// Distinct Idempotency-Keys recorded.
    public var accepted: Int = 0
    /// Requests answered 200 for a key already recorded.
    public var duplicates: Int = 0
    /// Requests refused by a check (401 token/signature, 400 shape).
    public var rejected: Int = 0
    /// Requests answered by the injected fault.
    public var faulted: Int = 0
    public var duplicatesByKey: [String: Int] = [:]
    public var fault: SinkFault = .none

    public init() {}

    enum CodingKeys: String, CodingKey {
        case requests, accepted, duplicates, rejected, faulted, fault
        case duplicatesByKey = "duplicates_by_key"
    }
}
