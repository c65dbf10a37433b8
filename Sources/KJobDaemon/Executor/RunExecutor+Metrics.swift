import Foundation
import KJobMetrics
import KJobStore

extension RunExecutor {
    /// Records lateness (first attempts; scheduled time on the database-corrected clock) and
    /// spawn duration when the run's child starts.
    func spawnObserver(for claimed: ClaimedRun) -> @Sendable (Date, Duration) -> Void {
        let metrics = self.metrics
        let now = self.now
        let trigger: RunTrigger? = claimed.attempt == 1 ? (claimed.manual ? .manual : .scheduled) : nil
        let scheduledFor = claimed.scheduledFor
        return { spawnedAt, setup in
            // `spawnedAt` is local wall time; `now()` minus local now is the clock correction.
            let corrected = spawnedAt.addingTimeInterval(now().timeIntervalSince(Date()))
            let lateness = Duration.microseconds(Int64((corrected.timeIntervalSince(scheduledFor) * 1_000_000).rounded()))
            metrics.childSpawned(trigger: trigger, lateness: lateness, spawnDuration: setup)
        }
    }
}
