/// A misbehaviour the sink is told to show on `POST /v1/dispatch`, set at runtime through
/// `POST /admin/fault`:
///
/// - `{"mode":"status","status":503,"count":3,"retry_after":"2"}` answers that status (with an
///   optional `Retry-After`) without recording;
/// - `{"mode":"hang","seconds":30}` holds the request that long, then drops the connection unanswered;
/// - `{"mode":"close"}` drops the connection as soon as the request arrives;
/// - `{"mode":"none"}` behaves.
///
/// `count` limits the fault to that many dispatch requests; absent, it lasts until replaced.
public struct SinkFault: Sendable, Codable, Hashable {
    public enum Mode: String, Sendable, Codable, Hashable {
        case none, status, hang, close
    }

    public var mode: Mode
    public var status: Int?
    public var seconds: Double?
    public var count: Int?
    public var retryAfter: String?

    public init(mode: Mode, status: Int? = nil, seconds: Double? = nil, count: Int? = nil, retryAfter: String? = nil) {
        self.mode = mode
        self.status = status
        self.seconds = seconds
        self.count = count
        self.retryAfter = retryAfter
    }

    public static let none = SinkFault(mode: .none)

    public static func status(_ status: Int, count: Int? = nil, retryAfter: String? = nil) -> SinkFault {
        SinkFault(mode: .status, status: status, count: count, retryAfter: retryAfter)
    }

    public static func hang(seconds: Double, count: Int? = nil) -> SinkFault {
        SinkFault(mode: .hang, seconds: seconds, count: count)
    }

    public static func close(count: Int? = nil) -> SinkFault {
        SinkFault(mode: .close, count: count)
    }

    enum CodingKeys: String, CodingKey {
        case mode, status, seconds, count
        case retryAfter = "retry_after"
    }

    /// Rejects faults that cannot be acted on, with the fix.
    public func validate() throws(SinkError) {
        switch mode {
        case .none, .close:
            break
        case .status:
            guard let status, (100...599).contains(status) else {
                throw SinkError("mode status needs \"status\": 100...599, e.g. {\"mode\":\"status\",\"status\":503,\"count\":3}")
            }
        case .hang:
            guard let seconds, seconds >= 0, seconds <= 86400 else {
                throw SinkError("mode hang needs \"seconds\": 0...86400, e.g. {\"mode\":\"hang\",\"seconds\":30}")
            }
        }
        if let count, count < 1 {
            throw SinkError("count must be at least 1, or absent for no limit")
        }
    }
}
