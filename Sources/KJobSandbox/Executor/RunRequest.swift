import KJobCore

/// One run to execute: who it is, what to run, in which sandbox, for how long, where logs go.
public struct RunRequest: Sendable {
    public var identity: RunIdentity
    public var agent: String
    public var prompt: String
    public var sandbox: JobSpec.Sandbox
    /// The job's `env`.
    public var environment: [String: String]
    public var timeout: Duration
    /// Overrides of the node's default limits (the sandbox spec's memory and pids are applied too).
    public var limits: ResourceLimits
    /// Extra sinks (the Postgres store); the file sink is added by the executor when `log_dir` is set.
    public var logSinks: [any RunLogSink]

    public init(
        identity: RunIdentity, agent: String, prompt: String, sandbox: JobSpec.Sandbox = JobSpec.Sandbox(),
        environment: [String: String] = [:], timeout: Duration, limits: ResourceLimits = ResourceLimits(),
        logSinks: [any RunLogSink] = []
    ) {
        self.identity = identity
        self.agent = agent
        self.prompt = prompt
        self.sandbox = sandbox
        self.environment = environment
        self.timeout = timeout
        self.limits = limits
        self.logSinks = logSinks
    }
}
