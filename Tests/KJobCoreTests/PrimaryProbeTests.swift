import KJobCore
import Testing

/// Which server kjobd uses, and what it demands of its replication (issue #16).
@Suite("PrimaryProbe")
struct PrimaryProbeTests {
    let synchronous = PrimaryProbe(
        inRecovery: false, transactionReadOnly: false,
        synchronousStandbyNames: "\"pg2\"", synchronousCommit: "on")

    @Test("a synchronous primary is used under every requirement")
    func synchronousPrimary() {
        #expect(synchronous.replicatesSynchronously)
        for requirement in ReplicationRequirement.allCases { #expect(synchronous.verdict(requirement: requirement) == .use) }
    }

    @Test("a standby and a read-only server are skipped whatever the requirement")
    func readOnly() {
        var standby = synchronous
        standby.inRecovery = true
        var readOnly = synchronous
        readOnly.transactionReadOnly = true
        for requirement in ReplicationRequirement.allCases {
            guard case .skip(.readOnly, let detail) = standby.verdict(requirement: requirement) else {
                Issue.record("standby used")
                continue
            }
            #expect(detail.contains("recovery"))
            guard case .skip(.readOnly, let why) = readOnly.verdict(requirement: requirement) else {
                Issue.record("read-only used")
                continue
            }
            #expect(why.contains("transaction_read_only"))
        }
    }

    @Test("no standby named, or synchronous_commit off/local: refused or warned with the fix, or used when off")
    func asynchronous() {
        var noStandby = synchronous
        noStandby.synchronousStandbyNames = " "
        var localCommit = synchronous
        localCommit.synchronousCommit = "local"
        for probe in [noStandby, localCommit] {
            #expect(!probe.replicatesSynchronously)
            guard case .skip(.asynchronous, let message) = probe.verdict(requirement: .refuse) else {
                Issue.record("not refused")
                continue
            }
            #expect(message.contains("synchronous_mode: true"))
            #expect(message.contains("require_synchronous"))
            guard case .useWithWarning(let warning) = probe.verdict(requirement: .warn) else {
                Issue.record("no warning")
                continue
            }
            #expect(warning == message)
            #expect(probe.verdict(requirement: .off) == .use)
        }
        guard case .skip(_, let message) = localCommit.verdict(requirement: .refuse) else { return }
        #expect(message.contains("synchronous_commit is local"))
    }

    @Test("unset: refuse with several hosts, off with one")
    func defaultRequirement() {
        #expect(ReplicationRequirement.byDefault(hostCount: 1) == .off)
        #expect(ReplicationRequirement.byDefault(hostCount: 2) == .refuse)
    }
}
