import Foundation
import KJobCore

/// The columns of a job the materializer needs to turn its due fires into runs.
public struct DueJob: Sendable, Hashable {
    public var id: UUID
    public var schedule: String
    public var timezone: String
    public var enabled: Bool
    public var nextFireAt: Date?
    /// Its mode and window; `maxCatchUp` comes from the materializer's configuration.
    public var misfire: MisfirePolicy
    /// `schedule` parsed once, not at every next-fire step.
    public let parsedSchedule: Result<Schedule, ScheduleError>
    /// `timezone` resolved once; UTC when the identifier is unknown.
    public let timeZone: TimeZone
    public var tenant = "default"
    public var slug = ""
    /// The owner token's name (nil: no owner recorded, the job fires) and its row (nil when gone).
    public var owner: String?
    public var ownerToken: OwnerAuthority.Token?
    /// The lapse of the owner's authority was already audited.
    public var unauthorized = false

    public init(
        id: UUID, schedule: String, timezone: String, enabled: Bool, nextFireAt: Date?,
        misfire: MisfirePolicy
    ) {
        self.id = id
        self.schedule = schedule
        self.timezone = timezone
        self.enabled = enabled
        self.nextFireAt = nextFireAt
        self.misfire = misfire
        do throws(ScheduleError) { parsedSchedule = .success(try Schedule(parsing: schedule)) } catch { parsedSchedule = .failure(error) }
        timeZone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")!
    }
}
