import Foundation
import Testing

@testable import KJobSandbox

@Suite struct RunEnvironmentTests {
    let identity = RunIdentity(
        runID: "r-1", job: "weekly-audit", scheduledFor: Date(timeIntervalSince1970: 1_800_000_000),
        attempt: 2, epoch: 7)

    @Test func onlyAllowListedJobAndKjobVariables() {
        let env = RunEnvironment.build(
            identity: identity, prompt: "/k-housekeep", workdir: "/w/r-1", user: "kjob-run",
            daemonEnvironment: [
                "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "SECRET": "s", "KJOBD_DB_PASSWORD": "pw",
                "HOME": "/root"
            ],
            allowList: ["PATH", "LANG", "TZ", "KJOBD_DB_PASSWORD"],
            jobEnvironment: ["REPO": "kjob", "LANG": "de_DE.UTF-8", "KJOBD_X": "no", "KJOB_EPOCH": "99"])
        #expect(
            env == [
                "PATH": "/usr/bin:/bin", "LANG": "de_DE.UTF-8", "REPO": "kjob",
                "HOME": "/w/r-1", "USER": "kjob-run", "LOGNAME": "kjob-run",
                "KJOB_RUN_ID": "r-1", "KJOB_JOB": "weekly-audit", "KJOB_SCHEDULED_FOR": "2027-01-15T08:00:00Z",
                "KJOB_ATTEMPT": "2", "KJOB_EPOCH": "7", "KJOB_PROMPT": "/k-housekeep"
            ])
    }

    /// Node commands (probes, the container engine) get kjobd's own values, whatever the job says.
    @Test func nodeCommandsGetTheDaemonsAllowListAndEngineClientVariables() {
        let env = RunEnvironment.node(
            daemonEnvironment: [
                "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/root", "DOCKER_HOST": "unix:///run/docker.sock",
                "XDG_RUNTIME_DIR": "/run/user/0", "SECRET": "s", "KJOBD_POSTGRES_URL": "postgres://x"
            ],
            allowList: ["PATH", "LANG", "KJOBD_POSTGRES_URL"])
        #expect(
            env == [
                "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/root", "DOCKER_HOST": "unix:///run/docker.sock",
                "XDG_RUNTIME_DIR": "/run/user/0"
            ])
        #expect(RunEnvironment.node(daemonEnvironment: [:]) == ["PATH": RunEnvironment.fallbackPath])
    }

    @Test func pathFallsBackWhenTheDaemonHasNone() {
        let env = RunEnvironment.build(
            identity: identity, prompt: "", workdir: "/w", user: nil,
            daemonEnvironment: [:], jobEnvironment: [:])
        #expect(env["PATH"] == RunEnvironment.fallbackPath)
        #expect(env["USER"] == nil)
    }

    @Test func scheduledForKeepsMilliseconds() {
        #expect(RunEnvironment.rfc3339(Date(timeIntervalSince1970: 1_800_000_000.25)) == "2027-01-15T08:00:00.250Z")
    }

    @Test(arguments: ["", ".", "..", "a/b", "x y", "ü"])
    func unsafeNamesAreRejected(name: String) {
        #expect(!RunIdentity.isSafePathComponent(name))
        #expect(throws: SandboxError.self) {
            try RunIdentity(runID: name, job: "j", scheduledFor: Date(), attempt: 1, epoch: 1).validated()
        }
    }
}
