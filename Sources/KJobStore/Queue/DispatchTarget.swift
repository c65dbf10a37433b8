/// One row of `kjob.job_dispatch_targets`: a channel and the outcomes posted to it.
public struct DispatchTarget: Sendable, Hashable {
    public var channel: String
    /// `success`, `failure`, `always`; empty means `always`.
    public var on: [String]

    public init(channel: String, on: [String]) {
        self.channel = channel
        self.on = on
    }

    /// Whether a run that ended in `status` is posted here: `failure` is failed, timed out or
    /// lost (an operator's cancel is not a failure; `always` still posts it).
    public func wants(_ status: RunResult.Status) -> Bool {
        let events = on.isEmpty ? ["always"] : on
        return events.contains { event in
            switch event {
            case "always": true
            case "success": status == .succeeded
            case "failure": status == .failed || status == .timedOut || status == .lost
            default: false
            }
        }
    }
}
