import KJobCore
import Testing

@Suite("RunStatus")
struct RunStatusTests {
    static let legal: Set<[RunStatus]> = [
        [.queued, .running], [.queued, .skipped], [.queued, .cancelled], [.queued, .failed],
        [.running, .succeeded], [.running, .failed], [.running, .timedOut], [.running, .cancelled], [.running, .lost]
    ]

    @Test func exactlyTheLegalTransitionsAreAllowed() {
        for from in RunStatus.allCases {
            for to in RunStatus.allCases {
                #expect(from.canTransition(to: to) == Self.legal.contains([from, to]), "\(from) → \(to)")
            }
        }
    }

    @Test func terminalStatesNeverMove() {
        let terminal = RunStatus.allCases.filter(\.isTerminal)
        #expect(terminal == [.succeeded, .failed, .timedOut, .cancelled, .lost, .skipped])
        for status in terminal { #expect(status.allowedTransitions.isEmpty) }
        #expect(RunStatus.allCases.filter(\.isActive) == [.queued, .running])
    }

    @Test func rawValuesMatchTheDesign() {
        #expect(RunStatus.allCases.map(\.rawValue) == ["queued", "running", "succeeded", "failed", "timed_out", "cancelled", "lost", "skipped"])
        #expect(RunStatus(rawValue: "timed_out") == .timedOut)
    }

    @Test func failuresThatAreRetried() {
        #expect(RunStatus.allCases.filter(\.isRetryableFailure) == [.failed, .timedOut, .lost])
    }

    @Test func skipReasonsAreStoredAsSnakeCase() {
        #expect(SkipReason.allCases.map(\.rawValue) == ["missed", "overlap", "disabled", "deleted", "superseded", "catch_up_limit", "unauthorized"])
        for reason in SkipReason.allCases { #expect(!reason.explanation.isEmpty) }
    }

    @Test(arguments: [
        (OutputEvent.always, [RunStatus.succeeded, .failed, .timedOut, .cancelled, .lost]),
        (.success, [.succeeded]),
        (.failure, [.failed, .timedOut, .lost])
    ])
    func outputsPickTheirOutcomes(event: OutputEvent, statuses: [RunStatus]) {
        let target = OutputTarget(channel: "c", on: [event])
        #expect(RunStatus.allCases.filter(target.wants) == statuses)
    }
}
