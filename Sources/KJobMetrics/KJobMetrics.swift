import Foundation
import KJobCore
import Prometheus

/// One node's Prometheus metrics: a private ``PrometheusCollectorRegistry`` and typed handles,
/// injected into the services that observe each event and rendered by `GET /metrics`.
///
/// Not the process-global `MetricsSystem`: it can be bootstrapped once per process, and tests run
/// several nodes in one process. Label sets known in advance are created up front, so they are
/// exported as 0 before their first event (rates and alerts need the series to exist).
public final class KJobMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let nodeID: String

    private let leader: Gauge
    private let epoch: Gauge
    private let takeovers: Counter
    private let demotions: [LeaseDemotionReason: Counter]
    private let runs: [RunStatus: Counter]
    private let lateness: [RunTrigger: DurationHistogram]
    private let queueDepth: Gauge
    private let runningChildren: Gauge
    private let spawnDuration: DurationHistogram
    private let dispatchAttempts: [DispatchAttemptOutcome: Counter]
    private let dispatchFailures: [DispatchFailureKind: Counter]
    private let dispatchBacklog: Gauge
    private let clockSkew: Gauge
    private let httpRequests: [Int: Counter]
    private let postgresConnects: [PostgresConnectionKind: Counter]
    private let postgresPrimaryChanges: Counter
    private let postgresRefusals: [PostgresHostRefusal: Counter]

    /// Fire lateness buckets: 1 ms … 10 s, roughly ×2.5 per step, and 30 s / 60 s for stalls.
    public static let latenessBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60)
    ]
    /// Spawn buckets: a posix_spawn is ~1 ms; bwrap or a container start takes up to seconds.
    public static let spawnBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10)
    ]

    /// Statuses a run can end in (the counter's label values).
    public static let endStatuses: [RunStatus] = RunStatus.allCases.filter(\.isTerminal)

    public init(nodeID: String, version: String) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.nodeID = nodeID

        func name(_ metric: String, _ unit: String = "", _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "kjob", metricName: metric, unitName: unit, helpText: help)
        }
        /// One counter per label value, all created now.
        func counters<Key: RawRepresentable<String> & Hashable>(
            _ descriptor: MetricNameDescriptor, _ label: String,
            _ keys: [Key]
        ) -> [Key: Counter] {
            Dictionary(uniqueKeysWithValues: keys.map { ($0, registry.makeCounter(descriptor: descriptor, labels: [(label, $0.rawValue)])) })
        }

        registry.makeGauge(
            descriptor: name("build", "info", "Always 1; labels name this node and the kjob version it runs."),
            labels: [("node", nodeID), ("version", version)]
        ).set(to: 1)
        leader = registry.makeGauge(
            descriptor: name("leader", "", "1 while this node holds the lease (active), 0 while standby."),
            labels: [("node", nodeID)])
        epoch = registry.makeGauge(descriptor: name("leader_epoch", "", "The lease epoch this node last held; 0 if it never led."))
        takeovers = registry.makeCounter(descriptor: name("leader_takeovers", "total", "Times this node acquired the lease."))
        demotions = counters(
            name("leader_demotions", "total", "Times this node stopped being active, by reason."),
            "reason", LeaseDemotionReason.allCases)
        runs = counters(
            name("runs", "total", "Runs this node ended (finished, recorded lost at takeover, or skipped), by final status."),
            "status", Self.endStatuses)
        let latenessName = name(
            "fire_lateness", "seconds",
            "From a run's scheduled time to its child process starting; first attempts only.")
        lateness = Dictionary(
            uniqueKeysWithValues: RunTrigger.allCases.map {
                ($0, registry.makeDurationHistogram(descriptor: latenessName, labels: [("trigger", $0.rawValue)], buckets: Self.latenessBuckets))
            })
        queueDepth = registry.makeGauge(
            descriptor: name("queue_depth", "", "Queued runs (due or waiting), as last counted by this node while active; 0 on a standby."))
        runningChildren = registry.makeGauge(descriptor: name("running_children", "", "Runs executing in a sandboxed child on this node."))
        spawnDuration = registry.makeDurationHistogram(
            descriptor: name("spawn_duration", "seconds", "From handing a run to the sandbox to its child process running (setup and spawn)."),
            labels: [], buckets: Self.spawnBuckets)
        dispatchAttempts = counters(
            name("dispatch_attempts", "total", "Relay delivery attempts made by this node, by what was decided."),
            "outcome", DispatchAttemptOutcome.allCases)
        dispatchFailures = counters(
            name("dispatch_failures", "total", "Relay delivery attempts that did not deliver, by cause."),
            "cause", DispatchFailureKind.allCases)
        dispatchBacklog = registry.makeGauge(
            descriptor: name("dispatch_backlog", "", "Dispatches pending delivery, as last counted by this node while active; 0 on a standby."))
        clockSkew = registry.makeGauge(
            descriptor: name("clock_skew", "seconds", "This node's clock minus the database's, measured at the lease heartbeat."))
        let httpName = name("http_requests", "total", "HTTP requests answered by this node, by status class.")
        httpRequests = Dictionary(
            uniqueKeysWithValues: (1...5).map {
                ($0, registry.makeCounter(descriptor: httpName, labels: [("code", "\($0)xx")]))
            })
        postgresConnects = counters(
            name(
                "postgres_connects", "total",
                "Connections this node opened to Postgres (first connects and reconnects), by kind; pool connections only when relayed to the primary of a multi-host URL."
            ),
            "connection", PostgresConnectionKind.allCases)
        postgresPrimaryChanges = registry.makeCounter(
            descriptor: name("postgres_primary_changes", "total", "Times this node found the writable Postgres primary on another host than before."))
        postgresRefusals = counters(
            name("postgres_refusals", "total", "Times a Postgres host of postgres.url was not used, by reason."),
            "reason", PostgresHostRefusal.allCases)
    }

    // MARK: - Events

    /// This node acquired the lease under `epoch`.
    public func promoted(epoch value: Int64) {
        leader.set(to: 1)
        epoch.set(to: Double(value))
        takeovers.increment()
    }

    /// This node stopped being active (or is standby at start or exit: `reason` nil).
    public func demoted(_ reason: LeaseDemotionReason?) {
        leader.set(to: 0)
        if let reason { demotions[reason]?.increment() }
        clearBacklog()
    }

    /// `count` runs ended in `status` (ignored for non-terminal statuses).
    public func runsEnded(_ status: RunStatus, count: Int = 1) {
        guard count > 0 else { return }
        runs[status]?.increment(by: Int64(count))
    }

    /// A run's child process started: `lateness` (first attempts) and how long setup and spawn took.
    public func childSpawned(trigger: RunTrigger?, lateness: Duration, spawnDuration duration: Duration) {
        if let trigger { self.lateness[trigger]?.record(max(lateness, .zero)) }
        spawnDuration.record(max(duration, .zero))
    }

    /// A run entered (+1) or left (-1) the sandbox.
    public func runningChildren(_ delta: Int) {
        runningChildren.increment(by: Double(delta))
    }

    /// The active's periodic count of queued runs and pending dispatches.
    public func backlog(queuedRuns: Int64, pendingDispatches: Int64) {
        queueDepth.set(to: Double(queuedRuns))
        dispatchBacklog.set(to: Double(pendingDispatches))
    }

    /// Back to 0 when this node is no longer the one counting.
    public func clearBacklog() {
        backlog(queuedRuns: 0, pendingDispatches: 0)
    }

    /// One relay attempt and, when it did not deliver, why.
    public func dispatchAttempted(_ outcome: DispatchAttemptOutcome, failure: DispatchFailureKind?) {
        dispatchAttempts[outcome]?.increment()
        if let failure { dispatchFailures[failure]?.increment() }
    }

    /// The measured offset as `DatabaseClock` keeps it: database time minus local time, in ms.
    public func clockOffset(databaseMinusLocalMilliseconds offset: Int64) {
        clockSkew.set(to: Double(-offset) / 1000)
    }

    /// One HTTP response with this status code.
    public func httpResponse(status: Int) {
        httpRequests[status / 100]?.increment()
    }

    /// A connection of `kind` was opened.
    public func postgresConnected(_ kind: PostgresConnectionKind) {
        postgresConnects[kind]?.increment()
    }

    /// The writable primary is on another host now.
    public func postgresPrimaryChanged() {
        postgresPrimaryChanges.increment()
    }

    /// A host was not used.
    public func postgresRefused(_ reason: PostgresHostRefusal) {
        postgresRefusals[reason]?.increment()
    }

    // MARK: - Exposition

    /// The Prometheus text format (0.0.4) of every metric.
    public func render() -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8 << 10)
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// The `Content-Type` of ``render()``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
