import Foundation

/// A job as `GET /v1/jobs/{slug}` returns it (the fields the CLI shows).
public struct JobView: Decodable, Sendable {
    public var id: String
    public var tenant: String
    public var slug: String
    public var enabled: Bool
    public var schedule: String
    public var timezone: String
    public var scheduleDescription: String?
    public var nextFireAt: Date?
    public var lastFireAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// The job's version (its ETag), for `kjob update --if-version`; nil from an older node.
    public var version: Int64?
    public var specTOML: String
    public var lastRun: RunView?
    public var createdBy: String?
    public var updatedBy: String?
    public var owner: String?
    public var pausedBy: String?
    public var pausedAt: Date?
    public var pauseNote: String?
    public var unauthorizedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, tenant, slug, enabled, schedule, timezone, version, owner
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
}

/// The parts of a `GET /v1/jobs` summary a table shows (decoding only these keeps a listing
/// of thousands cheap; `--json` passes the whole summaries through).
public struct JobListRow: Decodable, Sendable {
    public struct LastRun: Decodable, Sendable {
        public var status: String
        public var scheduledFor: Date
        public var startedAt: Date?
        public var finishedAt: Date?
        enum CodingKeys: String, CodingKey {
            case status
            case scheduledFor = "scheduled_for"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }

    public var tenant: String
    public var slug: String
    public var enabled: Bool
    public var schedule: String
    public var nextFireAt: Date?
    public var lastRun: LastRun?
    /// Who disabled the job (nil while enabled, and for jobs paused before pauses were recorded).
    public var pausedBy: String?

    enum CodingKeys: String, CodingKey {
        case tenant, slug, enabled, schedule
        case nextFireAt = "next_fire_at"
        case lastRun = "last_run"
        case pausedBy = "paused_by"
    }
}

/// One page of `GET /v1/jobs`; `next` is the `?after=` of the following page, nil on the last.
public struct JobPage: Decodable, Sendable {
    public var jobs: [JobListRow]
    public var next: String?
}

/// A run as the API returns it.
public struct RunView: Decodable, Sendable {
    public struct Dispatch: Decodable, Sendable {
        public var channel: String
        public var status: String
        public var attempts: Int
        public var lastError: String?
        public var lastHTTPStatus: Int?
        enum CodingKeys: String, CodingKey {
            case channel, status, attempts
            case lastError = "last_error"
            case lastHTTPStatus = "last_http_status"
        }
    }

    public var id: String
    public var job: String
    public var scheduledFor: Date
    public var attempt: Int
    public var status: String
    public var reason: String?
    public var node: String?
    public var epoch: Int64?
    public var manual: Bool
    /// Created by `kjob backfill`; nil from an older node.
    public var backfill: Bool?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var exitCode: Int?
    public var signal: Int?
    public var dispatchStatus: String?
    public var dispatches: [Dispatch]?
    /// schedule, manual, retry or backfill (nil from a node that predates triggers).
    public var trigger: String?
    /// Who asked for a manual run.
    public var triggeredBy: String?

    enum CodingKeys: String, CodingKey {
        case id, job, attempt, status, reason, node, epoch, manual, backfill, signal, dispatches, trigger
        case scheduledFor = "scheduled_for"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case exitCode = "exit_code"
        case dispatchStatus = "dispatch_status"
        case triggeredBy = "triggered_by"
    }

    public var isActive: Bool { status == "queued" || status == "running" }
}

public struct RunList: Decodable, Sendable {
    public var runs: [RunView]
}

/// One entry of `GET /v1/audit`.
public struct AuditEntryView: Decodable, Sendable {
    public struct Change: Decodable, Sendable {
        public var field: String
        public var from: String?
        public var to: String?
    }

    public var id: Int64
    public var at: Date
    public var actor: String
    public var tenant: String?
    public var action: String
    public var job: String?
    public var run: String?
    public var note: String?
    public var changes: [Change]
}

/// One page of `GET /v1/audit`, newest first; `next` is the `?after=` of the following page.
public struct AuditPage: Decodable, Sendable {
    public var entries: [AuditEntryView]
    public var next: String?
}

/// `GET /v1/cluster`.
public struct ClusterStatus: Decodable, Sendable {
    public struct Leader: Decodable, Sendable {
        public var node: String?
        public var epoch: Int64
        public var since: Date?
        public var heartbeatAgeMs: Int64?
        enum CodingKeys: String, CodingKey {
            case node, epoch, since
            case heartbeatAgeMs = "heartbeat_age_ms"
        }
    }

    public struct Node: Decodable, Sendable {
        public var id: String
        public var role: String
        public var lastSeen: Date
        public var clockSkewMs: Int64?
        public var version: String?
        /// Where the node's API answers; nil for nodes that have not recorded one.
        public var httpURL: String?
        enum CodingKeys: String, CodingKey {
            case id, role, version
            case lastSeen = "last_seen"
            case clockSkewMs = "clock_skew_ms"
            case httpURL = "http_url"
        }
    }

    public var leader: Leader
    public var nodes: [Node]
    public var now: Date?
}

/// `POST /v1/jobs/{slug}/backfill`.
public struct BackfillResult: Decodable, Sendable {
    public var job: String
    public var from: Date
    public var to: Date
    public var dryRun: Bool
    public var created: Int
    public var existing: Int
    /// The fires that got a run (on a dry run, would).
    public var fires: [Date]
    enum CodingKeys: String, CodingKey {
        case job, from, to, created, existing, fires
        case dryRun = "dry_run"
    }
}

/// `GET /v1/upcoming`.
public struct UpcomingList: Decodable, Sendable {
    public struct Fire: Decodable, Sendable {
        public var tenant: String
        public var slug: String
        public var scheduledFor: Date
        public var schedule: String
        public var timezone: String
        enum CodingKeys: String, CodingKey {
            case tenant, slug, schedule, timezone
            case scheduledFor = "scheduled_for"
        }
    }

    public var fires: [Fire]
    public var until: Date
    public var truncated: Bool
}

extension RunView {
    /// The trigger as tables show it: `manual (alice)`, `schedule`, `retry`, `backfill`.
    public var triggerText: String {
        let trigger = self.trigger ?? (manual ? "manual" : "schedule")
        return triggeredBy.map { "\(trigger) (\($0))" } ?? trigger
    }
}
