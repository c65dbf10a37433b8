import Foundation

/// A job as declared by an operator (DESIGN §4): the `[job]` table of a TOML file, or the same
/// keys as a JSON object in the HTTP API.
///
/// The tenant is not part of the spec; it comes from the API token. Build one with
/// `JobSpec(toml:)`, `JobSpec(tomlBytes:)`, `JobSpec(json:)` (all collect every problem into a
/// `JobSpecError`), or with the memberwise init and then `validate()`.
public struct JobSpec: Hashable, Sendable {
    /// `^[a-z0-9][a-z0-9-]{0,62}$`, unique per tenant.
    public var slug: String
    /// What the agent is asked to do; non-empty, at most `JobSpecLimits.promptBytes` of UTF-8.
    public var prompt: String
    /// A name from kjobd's `[agents.*]`; checked against a node with `validate(against:)`.
    public var agent: String
    public var schedule: Schedule
    /// IANA zone the schedule is evaluated in; default "UTC".
    public var timezone: String
    public var sandbox: JobSpec.Sandbox
    /// Where results go; empty means history only.
    public var outputs: [OutputTarget]
    public var retries: RetryPolicy
    /// Wall-clock limit of one attempt; > 0 and ≤ 1 day; default 1h.
    public var timeout: Duration
    public var enabled: Bool
    public var overlap: OverlapPolicy
    public var misfire: MisfirePolicy
    /// Extra environment for the child; `KJOB_*` is reserved.
    public var env: [String: String]
    /// Free text; may be empty.
    public var description: String

    public init(
        slug: String,
        prompt: String,
        agent: String,
        schedule: Schedule,
        timezone: String = JobSpec.defaultTimezone,
        sandbox: JobSpec.Sandbox = .default,
        outputs: [OutputTarget] = [],
        retries: RetryPolicy = .default,
        timeout: Duration = JobSpec.defaultTimeout,
        enabled: Bool = true,
        overlap: OverlapPolicy = .skip,
        misfire: MisfirePolicy = .default,
        env: [String: String] = [:],
        description: String = ""
    ) {
        self.slug = slug
        self.prompt = prompt
        self.agent = agent
        self.schedule = schedule
        self.timezone = timezone
        self.sandbox = sandbox
        self.outputs = outputs
        self.retries = retries
        self.timeout = timeout
        self.enabled = enabled
        self.overlap = overlap
        self.misfire = misfire
        self.env = env
        self.description = description
    }

    public static let defaultTimezone = "UTC"
    public static let defaultTimeout: Duration = .seconds(3600)

    /// The zone as a value; UTC if `timezone` is not a known identifier (`validate()` reports that).
    public var timeZone: TimeZone {
        TimeZone(identifier: timezone) ?? .gmt
    }

    /// The first fire strictly after `date` in the job's zone.
    public func nextFire(after date: Date) -> Date? {
        schedule.nextFire(after: date, in: timeZone)
    }
}
