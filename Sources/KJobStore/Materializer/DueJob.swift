import Foundation

/// The columns of a job the materializer needs to turn its due fires into runs.
public struct DueJob: Sendable, Hashable {
    public var id: UUID
    public var schedule: String
    public var timezone: String
    public var enabled: Bool
    public var nextFireAt: Date?
    public var misfirePolicy: MisfirePlan.Policy
    public var misfireWindow: Duration

    public init(id: UUID, schedule: String, timezone: String, enabled: Bool, nextFireAt: Date?,
                misfirePolicy: MisfirePlan.Policy, misfireWindow: Duration) {
        self.id = id
        self.schedule = schedule
        self.timezone = timezone
        self.enabled = enabled
        self.nextFireAt = nextFireAt
        self.misfirePolicy = misfirePolicy
        self.misfireWindow = misfireWindow
    }
}
