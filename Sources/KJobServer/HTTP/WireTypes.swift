import Foundation
import KJobCore
import KJobStore

/// `GET /v1/jobs/{slug}` and the writes' answers (the list has ``JobListBody``).
struct JobBody: Encodable {
    var id: UUID
    var tenant: String
    var slug: String
    var enabled: Bool
    var schedule: String
    var timezone: String
    var scheduleDescription: String?
    var nextFireAt: Date?
    var lastFireAt: Date?
    var createdAt: Date
    var updatedAt: Date
    var version: Int64
    var spec: JobSpec?
    var specTOML: String
    var lastRun: RunBody?
    var record: JobRecord

    enum CodingKeys: String, CodingKey {
        case id, tenant, slug, enabled, schedule, timezone, spec, version, owner
        case scheduleDescription = "schedule_description"
        case nextFireAt = "next_fire_at"
        case lastFireAt = "last_fire_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case specTOML = "spec_toml"
        case lastRun = "last_run"
        case createdBy = "created_by"
        case updatedBy = "updated_by"
        case pausedBy = "paused_by"
        case pausedAt = "paused_at"
        case pauseNote = "pause_note"
        case unauthorizedAt = "unauthorized_at"
    }

    /// `spec` and `spec_toml` are the spec in force (``JobRecord/spec``): with the `enabled` that
    /// enable/disable set, so exporting and re-applying it keeps the job as it is.
    init(_ record: JobRecord, lastRun: RunRecord? = nil) {
        let spec = record.spec
        id = record.id
        tenant = record.tenant
        slug = record.slug
        enabled = record.enabled
        schedule = spec?.schedule.text ?? ""
        timezone = spec?.timezone ?? "UTC"
        scheduleDescription = spec?.schedule.humanDescription
        nextFireAt = record.nextFireAt
        lastFireAt = record.lastFireAt
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        version = record.version
        self.spec = spec
        specTOML = spec?.toml() ?? record.specTOML
        self.lastRun = lastRun.map(RunBody.init)
        self.record = record
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id.uuidString.lowercased(), forKey: .id)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(slug, forKey: .slug)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(timezone, forKey: .timezone)
        try c.encode(scheduleDescription, forKey: .scheduleDescription)
        try c.encode(nextFireAt, forKey: .nextFireAt)
        try c.encode(lastFireAt, forKey: .lastFireAt)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(version, forKey: .version)
        try c.encode(spec, forKey: .spec)
        try c.encode(specTOML, forKey: .specTOML)
        try c.encode(lastRun, forKey: .lastRun)
        try c.encode(record.createdBy, forKey: .createdBy)
        try c.encode(record.updatedBy, forKey: .updatedBy)
        try c.encode(record.owner, forKey: .owner)
        try c.encode(record.pausedBy, forKey: .pausedBy)
        try c.encode(record.pausedAt, forKey: .pausedAt)
        try c.encode(record.pauseNote, forKey: .pauseNote)
        try c.encode(record.unauthorizedAt, forKey: .unauthorizedAt)
    }
}

/// A run; `kjob runs --json` prints these.
struct RunBody: Encodable {
    var run: RunRecord
    var dispatches: [DispatchRecord]?

    init(_ run: RunRecord) {
        self.run = run
    }

    init(_ run: RunRecord, dispatches: [DispatchRecord]) {
        self.run = run
        self.dispatches = dispatches
    }

    enum CodingKeys: String, CodingKey {
        case id, job, tenant, attempt, status, reason, node, epoch, manual, backfill, signal, dispatches, trigger
        case triggeredBy = "triggered_by"
        case scheduledFor = "scheduled_for"
        case queuedAt = "queued_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case exitCode = "exit_code"
        case logBytes = "log_bytes"
        case logTruncated = "log_truncated"
        case cancelRequestedAt = "cancel_requested_at"
        case dispatchStatus = "dispatch_status"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(run.id.uuidString.lowercased(), forKey: .id)
        try c.encode(run.job, forKey: .job)
        try c.encode(run.tenant, forKey: .tenant)
        try c.encode(run.scheduledFor, forKey: .scheduledFor)
        try c.encode(run.attempt, forKey: .attempt)
        try c.encode(run.status, forKey: .status)
        try c.encode(run.reason, forKey: .reason)
        try c.encode(run.node, forKey: .node)
        try c.encode(run.epoch, forKey: .epoch)
        try c.encode(run.manual, forKey: .manual)
        try c.encode(run.backfill, forKey: .backfill)
        try c.encode(run.queuedAt, forKey: .queuedAt)
        try c.encode(run.startedAt, forKey: .startedAt)
        try c.encode(run.finishedAt, forKey: .finishedAt)
        try c.encode(run.exitCode, forKey: .exitCode)
        try c.encode(run.signal, forKey: .signal)
        try c.encode(run.logBytes, forKey: .logBytes)
        try c.encode(run.logTruncated, forKey: .logTruncated)
        try c.encode(run.cancelRequestedAt, forKey: .cancelRequestedAt)
        try c.encode(run.dispatchStatus, forKey: .dispatchStatus)
        try c.encode(run.trigger, forKey: .trigger)
        try c.encode(run.triggeredBy, forKey: .triggeredBy)
        if let dispatches { try c.encode(dispatches.map(DispatchBody.init), forKey: .dispatches) }
    }
}

struct DispatchBody: Encodable {
    var record: DispatchRecord
    init(_ record: DispatchRecord) { self.record = record }

    enum CodingKeys: String, CodingKey {
        case channel, status, attempts
        case lastError = "last_error"
        case lastHTTPStatus = "last_http_status"
        case nextAttemptAt = "next_attempt_at"
        case deliveredAt = "delivered_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.channel, forKey: .channel)
        try c.encode(record.status, forKey: .status)
        try c.encode(record.attempts, forKey: .attempts)
        try c.encode(record.lastError, forKey: .lastError)
        try c.encode(record.lastHTTPStatus, forKey: .lastHTTPStatus)
        try c.encode(record.nextAttemptAt, forKey: .nextAttemptAt)
        try c.encode(record.deliveredAt, forKey: .deliveredAt)
    }
}

struct RunListBody: Encodable {
    var runs: [RunBody]
}

/// `GET /v1/cluster`, the shape `kjob status --json` prints.
struct ClusterBody: Encodable {
    struct Leader: Encodable {
        var node: String?
        var epoch: Int64
        var since: Date?
        var heartbeatAgeMs: Int64?
        enum CodingKeys: String, CodingKey {
            case node, epoch, since
            case heartbeatAgeMs = "heartbeat_age_ms"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(node, forKey: .node)
            try c.encode(epoch, forKey: .epoch)
            try c.encode(since, forKey: .since)
            try c.encode(heartbeatAgeMs, forKey: .heartbeatAgeMs)
        }
    }

    struct Node: Encodable {
        var id: String
        var role: String
        var lastSeen: Date
        var lastSeenAgeMs: Int64
        var clockSkewMs: Int64?
        var epoch: Int64?
        var version: String
        var httpURL: String?
        enum CodingKeys: String, CodingKey {
            case id, role, epoch, version
            case lastSeen = "last_seen"
            case lastSeenAgeMs = "last_seen_age_ms"
            case clockSkewMs = "clock_skew_ms"
            case httpURL = "http_url"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(role, forKey: .role)
            try c.encode(lastSeen, forKey: .lastSeen)
            try c.encode(lastSeenAgeMs, forKey: .lastSeenAgeMs)
            try c.encode(clockSkewMs, forKey: .clockSkewMs)
            try c.encode(epoch, forKey: .epoch)
            try c.encode(version, forKey: .version)
            try c.encode(httpURL, forKey: .httpURL)
        }
    }

    var leader: Leader
    var nodes: [Node]
    var now: Date

    init(_ view: ClusterView, downAfter: Duration) {
        leader = Leader(node: view.leader.node, epoch: view.leader.epoch, since: view.leader.since, heartbeatAgeMs: view.leader.heartbeatAgeMs)
        nodes = view.nodes.map { node in
            Node(
                id: node.id, role: view.role(of: node, downAfterMs: downAfter.milliseconds), lastSeen: node.lastSeen,
                lastSeenAgeMs: node.lastSeenAgeMs, clockSkewMs: node.clockSkewMs, epoch: node.epoch, version: node.version,
                httpURL: node.httpURL)
        }
        now = view.databaseNow
    }
}

/// `POST /v1/jobs/{slug}/backfill`: `fires` are the fires that got a run (on a dry run, that
/// would); `created` counts the runs created (0 on a dry run), `existing` the fires that had one.
struct BackfillBody: Encodable {
    var job: String
    var tenant: String
    var from: Date
    var to: Date
    var dryRun: Bool
    var created: Int
    var existing: Int
    var fires: [Date]

    enum CodingKeys: String, CodingKey {
        case job, tenant, from, to, created, existing, fires
        case dryRun = "dry_run"
    }
}

/// `GET /v1/upcoming`: the next fires across jobs, oldest first.
struct UpcomingBody: Encodable {
    struct Fire: Encodable {
        var tenant: String
        var slug: String
        var scheduledFor: Date
        var schedule: String
        var timezone: String
        enum CodingKeys: String, CodingKey {
            case tenant, slug, schedule, timezone
            case scheduledFor = "scheduled_for"
        }
    }

    var fires: [Fire]
    /// The end of the window (now + `within`).
    var until: Date
    /// More fires fall in the window than `limit`.
    var truncated: Bool
}
