/// A job as listings show it, as Postgres wrote it: the summary's JSON object (no spec; the
/// last run's outcome) and the columns the node still needs — the position for the next
/// page's cursor and the schedule its description is computed from.
public struct JobSummaryRow: Sendable, Hashable {
    public var tenant: String
    public var slug: String
    public var schedule: String
    /// `{"created_at": ..., "enabled": ..., "id": ..., "last_fire_at": ..., "last_run": null |
    /// {"finished_at", "id", "scheduled_for", "started_at", "status"}, "next_fire_at": ..., "paused_at": ..., "paused_by": ...,
    /// "schedule": ..., "slug": ..., "tenant": ..., "timezone": ..., "updated_at": ...}`.
    public var json: String

    public init(tenant: String, slug: String, schedule: String, json: String) {
        self.tenant = tenant
        self.slug = slug
        self.schedule = schedule
        self.json = json
    }
}
