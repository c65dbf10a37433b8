import Testing

@testable import KJobSandbox

/// The pump's poll timeout: a child whose pipes have closed is reaped within about a millisecond,
/// not after a full 100 ms poll (which capped a node at ~10 short runs per second per slot).
@Suite struct ChildSupervisorPollTests {
    @Test func outputOpenWaitsForDataOrExit() {
        #expect(ChildSupervisor.pollTimeout(outputOpen: true, exited: false, waitsForExit: 0) == 100)
        #expect(ChildSupervisor.pollTimeout(outputOpen: true, exited: true, waitsForExit: 0) == 200)
    }

    @Test func closedOutputPollsForTheExitSoonThenBacksOff() {
        let waits = (0..<12).map { ChildSupervisor.pollTimeout(outputOpen: false, exited: false, waitsForExit: $0) }
        #expect(waits.first == 1)
        #expect(waits == waits.sorted())
        #expect(waits.last == 100)
        #expect(waits.allSatisfy { $0 >= 1 && $0 <= 100 })
    }
}
