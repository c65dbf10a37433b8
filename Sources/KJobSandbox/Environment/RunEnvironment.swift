import Foundation
import KJobCore

/// The exact environment a child gets: an allow-list from the daemon, the job's `env`, then `KJOB_*`.
///
/// Nothing else leaks: a daemon variable reaches the child only by name in the allow-list, and
/// `KJOBD_*` (daemon secrets) never does, even when listed.
public enum RunEnvironment {
    /// Names copied from the daemon's environment when present.
    public static let defaultAllowList = ["PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TERM"]

    /// The daemon's `PATH` is used when it has none (a daemon started with an empty environment).
    public static let fallbackPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public static func build(
        identity: RunIdentity,
        prompt: String,
        workdir: String,
        user: String?,
        daemonEnvironment: [String: String],
        allowList: [String] = defaultAllowList,
        jobEnvironment: [String: String]
    ) -> [String: String] {
        var env: [String: String] = [:]
        for name in allowList where !name.hasPrefix("KJOBD_") {
            if let value = daemonEnvironment[name] { env[name] = value }
        }
        if env["PATH"] == nil { env["PATH"] = fallbackPath }
        for (name, value) in jobEnvironment where !name.hasPrefix("KJOBD_") {
            env[name] = value
        }
        env["HOME"] = workdir
        if let user {
            env["USER"] = user
            env["LOGNAME"] = user
        }
        env["KJOB_RUN_ID"] = identity.runID
        env["KJOB_JOB"] = identity.job
        env["KJOB_SCHEDULED_FOR"] = rfc3339(identity.scheduledFor)
        env["KJOB_ATTEMPT"] = String(identity.attempt)
        env["KJOB_EPOCH"] = String(identity.epoch)
        env["KJOB_PROMPT"] = prompt
        return env
    }

    /// Variables the engine clients (docker, podman) read to find their engine and its configuration
    /// (CONTAINERS_CONF: e.g. runtime = "runc" where crun refuses a hybrid cgroup host); node
    /// commands get kjobd's own values of them.
    public static let engineClientNames = ["HOME", "DOCKER_HOST", "XDG_RUNTIME_DIR", "CONTAINERS_CONF"]

    /// The fixed environment of the node's own commands (backend probes, the container engine of a
    /// run, `docker kill`): kjobd's allow-listed variables and `engineClientNames`. Never a job's.
    public static func node(daemonEnvironment: [String: String], allowList: [String] = defaultAllowList) -> [String: String] {
        var env: [String: String] = [:]
        for name in allowList + engineClientNames where !name.hasPrefix("KJOBD_") {
            if let value = daemonEnvironment[name] { env[name] = value }
        }
        if env["PATH"] == nil { env["PATH"] = fallbackPath }
        return env
    }

    /// Refuses a job environment the job validator would have refused (`JobEnvironmentPolicy`), for
    /// a request that did not pass through it.
    static func check(_ jobEnvironment: [String: String], backend: SandboxBackend) throws(SandboxError) {
        for (name, value) in jobEnvironment.sorted(by: { $0.key < $1.key }) {
            if let problem = JobEnvironmentPolicy.problem(name, value, backend: backend) {
                throw SandboxError(.invalidConfiguration, "env.\(name): \(problem)", fix: "change the job's env")
            }
        }
    }

    /// `2026-11-22T09:00:00Z`, with milliseconds only when the instant has them.
    public static func rfc3339(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = millis.quotientAndRemainder(dividingBy: 1000)
        let (wholeSeconds, milliseconds) = fraction < 0 ? (seconds - 1, fraction + 1000) : (seconds, fraction)
        let whole = Date(timeIntervalSince1970: TimeInterval(wholeSeconds)).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        guard milliseconds != 0 else { return whole }
        let digits = String(milliseconds)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// `NAME=value` strings for execve; sorted so the order is stable.
    public static func envp(_ env: [String: String]) -> [String] {
        env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }
}
