import Foundation
import KJobCore
import Logging
import PostgresNIO

/// Turns due fires into runs (DESIGN §7). Active only: every write is fenced by the epoch.
///
/// Per job, one fenced transaction locks the job row, enumerates the fires from `next_fire_at`
/// up to the corrected now, applies the misfire plan, inserts each fire once (queued, or skipped
/// with its reason) and advances `next_fire_at`. The partial unique index on
/// `(job_id, scheduled_for)` makes a second insert of a fire impossible even if two
/// materializers race.
public struct Materializer: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// A fire later than this counts as missed and follows the job's misfire policy.
        public var misfireThreshold: Duration = .seconds(60)
        /// Longest sleep between passes even when nothing is due (NOTIFY usually wakes it sooner).
        public var maxSleep: Duration = .seconds(30)
        /// Most fires of one job enumerated in one pass; older ones beyond it are not recorded one by one.
        public var maxFiresPerPass: Int = 1000
        /// Cap on runs queued by a catch-up under the `all` policy.
        public var maxCatchUpRuns: Int = 100
        /// Due jobs fetched per query.
        public var batchSize: Int = 100

        public init() {}
    }

    /// Computes a job's next fire strictly after a date; nil when the schedule has none.
    public typealias NextFire = @Sendable (DueJob, Date) -> Date?

    /// The shared schedule engine, in the job's time zone.
    public static let scheduleNextFire: NextFire = { job, after in
        guard let schedule = try? Schedule(parsing: job.schedule) else { return nil }
        return schedule.nextFire(after: after, in: TimeZone(identifier: job.timezone) ?? TimeZone(identifier: "UTC")!)
    }

    public struct Report: Sendable, Hashable {
        public var queued = 0
        public var skipped = 0
        /// Earliest `next_fire_at` after the pass, for the sleep.
        public var earliestNextFire: Date?
        public init() {}
    }

    public let client: PostgresClient
    public let names: StoreNames
    public let nodeID: String
    public let configuration: Configuration
    public let now: @Sendable () -> Date
    public let nextFire: NextFire
    private let logger: Logger

    public init(client: PostgresClient, names: StoreNames, nodeID: String, configuration: Configuration = .init(),
                now: @escaping @Sendable () -> Date, nextFire: @escaping NextFire = Materializer.scheduleNextFire, logger: Logger) {
        self.client = client
        self.names = names
        self.nodeID = nodeID
        self.configuration = configuration
        self.now = now
        self.nextFire = nextFire
        self.logger = logger
    }

    /// Loops until cancelled: materialize what is due, sleep until the earliest next fire
    /// (bounded by `maxSleep`), wake early when `wake` changes (job NOTIFY). Throws
    /// ``StaleEpochError`` when the epoch is no longer current. `onPass` sees each pass's report (metrics).
    public func run(epoch: Int64, wake: Observed<UInt64>, onPass: @Sendable (Report) -> Void = { _ in }) async throws {
        logger.info("materializer started", metadata: ["epoch": "\(epoch)"])
        defer { logger.info("materializer stopped", metadata: ["epoch": "\(epoch)"]) }
        while !Task.isCancelled {
            let version = wake.value
            let report = try await materializeDue(epoch: epoch)
            onPass(report)
            var sleep = configuration.maxSleep
            if let next = report.earliestNextFire {
                let untilNext = Duration.milliseconds(Int64((next.timeIntervalSince(now()) * 1000).rounded(.up)))
                sleep = max(min(sleep, untilNext), .milliseconds(5))
            }
            await wake.waitForChange(after: version, until: .now.advanced(by: sleep))
        }
    }

    /// One pass over every due job.
    @discardableResult
    public func materializeDue(epoch: Int64) async throws -> Report {
        var report = Report()
        let schema = names.schema
        while true {
            let cutoff = now()
            var due: [UUID] = []
            for try await id in try await client.query(
                "SELECT id FROM \(unescaped: schema).jobs WHERE next_fire_at <= \(cutoff) ORDER BY next_fire_at LIMIT \(configuration.batchSize)",
                logger: logger
            ).decode(UUID.self) {
                due.append(id)
            }
            for id in due {
                let (queued, skipped) = try await materialize(jobID: id, epoch: epoch)
                report.queued += queued
                report.skipped += skipped
            }
            if due.count < configuration.batchSize { break }
        }
        for try await earliest in try await client.query(
            "SELECT min(next_fire_at) FROM \(unescaped: schema).jobs", logger: logger
        ).decode(Date?.self) {
            report.earliestNextFire = earliest
        }
        return report
    }

    /// One job, one fenced transaction. Returns (queued, skipped) counts actually inserted.
    public func materialize(jobID: UUID, epoch: Int64) async throws -> (Int, Int) {
        let fencing = Fencing(client: client, names: names)
        let names = self.names
        let configuration = self.configuration
        let nextFire = self.nextFire
        let nodeID = self.nodeID
        let logger = self.logger
        let now = self.now()
        return try await fencing.withFencedTransaction(epoch: epoch, operation: "materialize", logger: logger) { connection in
            let schema = names.schema
            var job: DueJob?
            let select: PostgresQuery = """
                SELECT id, schedule, timezone, enabled, next_fire_at, misfire_policy, misfire_window_ms
                  FROM \(unescaped: schema).jobs WHERE id = \(jobID) FOR UPDATE
                """
            for try await (id, schedule, timezone, enabled, nextFireAt, policy, windowMs) in try await connection.query(select, logger: logger)
                .decode((UUID, String, String, Bool, Date?, String, Int64).self) {
                let misfire = MisfirePolicy(mode: MisfirePolicy.Mode(rawValue: policy) ?? .latest, window: .milliseconds(windowMs),
                                            maxCatchUp: configuration.maxCatchUpRuns)
                job = DueJob(id: id, schedule: schedule, timezone: timezone, enabled: enabled, nextFireAt: nextFireAt, misfire: misfire)
            }
            guard let job, let first = job.nextFireAt, first <= now else { return (0, 0) }

            let later = MissedFires.enumerate(after: first, through: now, limit: configuration.maxFiresPerPass - 1) { nextFire(job, $0) }
            let fires = [first] + later.fires
            let last = fires[fires.count - 1]
            let following = later.isTruncated ? nextFire(job, now) : nextFire(job, last)
            if later.isTruncated {
                logger.warning("job missed more fires than one pass records; the oldest are recorded, the rest skipped silently",
                               metadata: ["job": "\(job.id)", "recorded": "\(fires.count)"])
            }
            let decision = job.misfire.decide(due: fires, now: now, onTimeThreshold: configuration.misfireThreshold, enabled: job.enabled)
            let outcomes = decision.runs.map { ($0, nil as String?) } + decision.skipped.map { ($0.scheduledFor, $0.reason.rawValue as String?) }
            var queued = 0
            var skipped = 0
            for (scheduledFor, skipReason) in outcomes.sorted(by: { $0.0 < $1.0 }) {
                let status = skipReason == nil ? "queued" : "skipped"
                let insert: PostgresQuery = """
                    INSERT INTO \(unescaped: schema).job_runs
                        (id, job_id, scheduled_for, fire_key, manual, attempt, status, reason, node, epoch, queued_at, finished_at)
                    VALUES (\(UUID()), \(job.id), \(scheduledFor), \(Self.fireKey(scheduledFor)), false, 1,
                            \(status), \(skipReason), \(nodeID), \(epoch), now(),
                            CASE WHEN \(status) = 'skipped' THEN now() END)
                    ON CONFLICT (job_id, scheduled_for) WHERE attempt = 1 AND NOT manual DO NOTHING
                    RETURNING status
                    """
                for try await inserted in try await connection.query(insert, logger: logger).decode(String.self) {
                    if inserted == "queued" { queued += 1 } else { skipped += 1 }
                }
            }
            try await connection.query("""
                UPDATE \(unescaped: schema).jobs SET next_fire_at = \(following), last_fire_at = \(last) WHERE id = \(job.id)
                """, logger: logger)
            if queued + skipped > 0 {
                logger.info("materialized fires", metadata: ["job": "\(job.id)", "queued": "\(queued)", "skipped": "\(skipped)", "epoch": "\(epoch)"])
            }
            return (queued, skipped)
        }
    }

    /// The fire key of a scheduled fire: its UTC time to the millisecond.
    public static func fireKey(_ date: Date) -> String {
        "at:" + date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
