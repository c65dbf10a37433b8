import Foundation

extension MisfirePolicy {
    /// The decision for a job's fires that came due while a node is active (the materializer).
    ///
    /// A fire at most `onTimeThreshold` late is on time and always runs; later fires are missed
    /// and follow ``decide(missed:now:)``. Under `latest` an on-time fire supersedes the missed
    /// ones. A disabled job runs nothing: every fire is skipped `disabled`.
    public func decide(due fires: [Date], now: Date, onTimeThreshold: Duration, enabled: Bool = true) -> Decision {
        let due = Set(fires).filter { $0 <= now }.sorted()
        guard enabled else { return Decision(skipped: due.map { SkippedFire(scheduledFor: $0, reason: .disabled) }) }
        let threshold = onTimeThreshold.timeInterval
        let onTime = due.filter { now.timeIntervalSince($0) <= threshold }
        var decision = decide(missed: due.filter { now.timeIntervalSince($0) > threshold }, now: now)
        if mode == .latest, !onTime.isEmpty {
            decision.skipped += decision.runs.map { SkippedFire(scheduledFor: $0, reason: .superseded) }
            decision.runs = []
        }
        decision.runs = (decision.runs + onTime).sorted()
        decision.skipped.sort { $0.scheduledFor < $1.scheduledFor }
        return decision
    }
}
