import Testing

@testable import KJobSandbox

@Suite struct TreeTerminationTests {
    let t0 = ContinuousClock.now

    @Test func termThenKillAfterGraceThenDone() {
        var machine = TreeTermination(grace: .seconds(10), killWait: .seconds(5))
        let start = machine.start(reason: .timeout, members: 3, now: t0)
        #expect(start.count == 2)
        #expect(start.last == .sigterm)
        #expect(machine.tick(members: 2, now: t0 + .seconds(9)).isEmpty)
        let kill = machine.tick(members: 2, now: t0 + .seconds(10))
        #expect(kill.last == .sigkill)
        #expect(machine.tick(members: 1, now: t0 + .seconds(11)) == [.sigkill])
        #expect(machine.tick(members: 0, now: t0 + .seconds(11.1)) == [.finished(stray: false)])
        #expect(machine.isDone)
        #expect(machine.tick(members: 5, now: t0 + .seconds(20)).isEmpty)
    }

    @Test func aTreeThatObeysSigtermIsNeverKilled() {
        var machine = TreeTermination(grace: .seconds(10))
        _ = machine.start(reason: .cancelled, members: 1, now: t0)
        #expect(machine.tick(members: 0, now: t0 + .seconds(1)) == [.finished(stray: false)])
    }

    @Test func nothingToDoWhenTheMainProcessEndedAlone() {
        var machine = TreeTermination(grace: .seconds(10))
        #expect(machine.start(reason: nil, members: 0, now: t0) == [.finished(stray: false)])
        #expect(machine.isDone)
    }

    @Test func leftoversAfterANormalExitAreStoppedWithANote() {
        var machine = TreeTermination(grace: .seconds(1))
        let actions = machine.start(reason: nil, members: 2, now: t0)
        #expect(actions.count == 2)
        guard case .note(let text) = actions.first else {
            Issue.record("no note")
            return
        }
        #expect(text.contains("2 remaining"))
    }

    @Test func processesThatSurviveTheKillWaitAreReportedStray() {
        var machine = TreeTermination(grace: .seconds(1), killWait: .seconds(2))
        _ = machine.start(reason: .demoted, members: 1, now: t0)
        _ = machine.tick(members: 1, now: t0 + .seconds(1))
        #expect(machine.tick(members: 1, now: t0 + .seconds(2)) == [.sigkill])
        #expect(machine.tick(members: 1, now: t0 + .seconds(3)) == [.finished(stray: true)])
    }

    @Test func startingTwiceDoesNothing() {
        var machine = TreeTermination(grace: .seconds(1))
        _ = machine.start(reason: .timeout, members: 1, now: t0)
        #expect(machine.start(reason: .cancelled, members: 1, now: t0).isEmpty)
    }
}
