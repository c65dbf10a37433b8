import KJobCore
import Testing

@Suite("OverlapPolicy")
struct OverlapPolicyTests {
    typealias Run = OverlapPolicy.ActiveRun<Int>
    typealias Action = OverlapPolicy.Action<Int>

    static let none: [Run] = []
    static let running: [Run] = [Run(id: 1, status: .running)]
    static let runningAndQueued: [Run] = [Run(id: 2, status: .queued), Run(id: 1, status: .running)]
    static let onlyFinished: [Run] = [Run(id: 1, status: .succeeded), Run(id: 2, status: .skipped)]

    struct Row: Sendable, CustomTestStringConvertible {
        var policy: OverlapPolicy
        var active: [OverlapPolicy.ActiveRun<Int>]
        var expected: OverlapPolicy.Action<Int>
        var testDescription: String { "\(policy) with \(active.map { "\($0.id):\($0.status)" })" }
    }

    static let table: [Row] = [
        Row(policy: .skip, active: none, expected: .start),
        Row(policy: .skip, active: running, expected: .skip(.overlap)),
        Row(policy: .skip, active: runningAndQueued, expected: .skip(.overlap)),
        Row(policy: .skip, active: onlyFinished, expected: .start),
        Row(policy: .queue, active: none, expected: .start),
        Row(policy: .queue, active: running, expected: .enqueue),
        Row(policy: .queue, active: runningAndQueued, expected: .enqueue),
        Row(policy: .queue, active: onlyFinished, expected: .start),
        Row(policy: .allow, active: none, expected: .start),
        Row(policy: .allow, active: running, expected: .start),
        Row(policy: .allow, active: runningAndQueued, expected: .start),
        Row(policy: .replace, active: none, expected: .start),
        Row(policy: .replace, active: running, expected: .cancelThenStart([1])),
        Row(policy: .replace, active: runningAndQueued, expected: .cancelThenStart([1, 2])),
        Row(policy: .replace, active: onlyFinished, expected: .start)
    ]

    @Test(arguments: table)
    func decisionTable(_ row: Row) {
        #expect(row.policy.decide(activeRuns: row.active) == row.expected)
    }

    @Test func queueIsBounded() {
        let full = [Run(id: 0, status: .running)] + (1...10).map { Run(id: $0, status: .queued) }
        #expect(OverlapPolicy.queue.decide(activeRuns: full) == .skip(.overlap))
        #expect(OverlapPolicy.queue.decide(activeRuns: Array(full.dropLast())) == .enqueue)
        #expect(OverlapPolicy.queue.decide(activeRuns: Self.runningAndQueued, maxQueued: 1) == .skip(.overlap))
        #expect(OverlapPolicy.queue.decide(activeRuns: Self.running, maxQueued: 1) == .enqueue)
    }

    @Test func rawValuesAreTheFileValues() {
        #expect(OverlapPolicy.allCases.map(\.rawValue) == ["skip", "queue", "allow", "replace"])
    }
}
