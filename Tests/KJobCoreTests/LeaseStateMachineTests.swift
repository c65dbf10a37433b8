import KJobCore
import Testing

/// A manual instant: milliseconds on a fake monotonic clock.
struct FakeInstant: InstantProtocol, Sendable, Hashable {
    var ms: Int64
    func advanced(by duration: Duration) -> FakeInstant { FakeInstant(ms: ms + duration.milliseconds) }
    func duration(to other: FakeInstant) -> Duration { .milliseconds(other.ms - ms) }
    static func < (a: FakeInstant, b: FakeInstant) -> Bool { a.ms < b.ms }
}

typealias Machine = LeaseStateMachine<FakeInstant>
func at(_ ms: Int64) -> FakeInstant { FakeInstant(ms: ms) }

@Suite("LeaseStateMachine")
struct LeaseStateMachineTests {
    let config = Machine.Configuration(
        heartbeat: .seconds(1), timeout: .seconds(4),
        standbyPoll: .milliseconds(500), reconnectDelay: .milliseconds(500))

    /// Connected and holding the lock with epoch 7, acquired by a query sent at t=0.
    func leader() -> Machine {
        var machine = Machine(configuration: config)
        #expect(machine.tick(now: at(0)) == [.reconnect])
        #expect(machine.connected(now: at(0)) == [.tryAcquire])
        let actions = machine.acquireResult(.acquired(epoch: 7), now: at(10))
        #expect(actions == [.promote(epoch: 7), .wait(until: at(1000))])
        return machine
    }

    @Test func startsByConnectingThenAcquires() {
        var machine = Machine(configuration: config)
        #expect(machine.tick(now: at(0)) == [.reconnect])
        #expect(machine.tick(now: at(1)) == [])  // connecting: nothing else in flight
        #expect(machine.connected(now: at(5)) == [.tryAcquire])
        #expect(machine.epoch == nil)
    }

    @Test func standbyPollsWithJitterAndNeverStacksTheLock() {
        var machine = Machine(configuration: config)
        _ = machine.tick(now: at(0))
        _ = machine.connected(now: at(0))
        #expect(machine.acquireResult(.notAcquired, now: at(20), jitter: .milliseconds(-50)) == [.wait(until: at(470))])
        #expect(machine.tick(now: at(300)) == [.wait(until: at(470))])
        #expect(machine.tick(now: at(470)) == [.tryAcquire])
        // While an attempt is in flight no second one is issued.
        #expect(machine.tick(now: at(480)) == [.wait(until: at(4470))])
    }

    @Test func releaseNotificationTriggersAnImmediateAttempt() {
        var machine = Machine(configuration: config)
        _ = machine.tick(now: at(0))
        _ = machine.connected(now: at(0))
        _ = machine.acquireResult(.notAcquired, now: at(10))
        #expect(machine.releaseNotified(now: at(100)) == [.tryAcquire])
    }

    @Test func leaderHeartbeatsOnSchedule() {
        var machine = leader()
        #expect(machine.tick(now: at(999)) == [.wait(until: at(1000))])
        #expect(machine.tick(now: at(1000)) == [.sendHeartbeat])
        #expect(machine.heartbeatSucceeded(sentAt: at(1000), proof: .held, now: at(1020)) == [.wait(until: at(2000))])
        #expect(machine.epoch == 7)
    }

    @Test func demotesAtTimeoutMeasuredFromSendTimeOfLastSuccess() {
        var machine = leader()
        _ = machine.tick(now: at(1000))
        _ = machine.heartbeatSucceeded(sentAt: at(1000), proof: .held, now: at(1900))  // slow reply
        _ = machine.tick(now: at(2000))  // next beat sent, hangs
        // Deadline is 1000 (send time) + 4000, not 1900 + 4000.
        #expect(machine.deadline == at(5000))
        #expect(machine.tick(now: at(4999)) == [.wait(until: at(5000))])
        #expect(machine.tick(now: at(5000)) == [.demote(reason: .heartbeatTimeout), .reconnect])
        #expect(machine.epoch == nil)
    }

    @Test func lateReplyDoesNotRescueALapsedLease() {
        var machine = leader()
        _ = machine.tick(now: at(1000))
        // The reply to the beat sent at 1000 arrives after the deadline of the previous proof (0 + 4000).
        #expect(machine.heartbeatSucceeded(sentAt: at(1000), proof: .held, now: at(4100)) == [.demote(reason: .heartbeatTimeout), .reconnect])
    }

    @Test func lockNotHeldOrBackendChangedDemotesAtOnce() {
        var a = leader()
        _ = a.tick(now: at(1000))
        #expect(a.heartbeatSucceeded(sentAt: at(1000), proof: .notHeld, now: at(1010)) == [.demote(reason: .lockNotHeld), .reconnect])
        var b = leader()
        _ = b.tick(now: at(1000))
        #expect(b.heartbeatSucceeded(sentAt: at(1000), proof: .backendChanged, now: at(1010)) == [.demote(reason: .backendChanged), .reconnect])
    }

    @Test func aDemotedNodeBacksOffSoTheStandbyWins() {
        var machine = leader()
        _ = machine.tick(now: at(1000))
        #expect(machine.heartbeatFailed(now: at(1005)) == [.demote(reason: .heartbeatFailed), .reconnect])
        // Reconnected quickly, but it waits two poll intervals from the demotion before trying.
        #expect(machine.connected(now: at(1100)) == [.wait(until: at(2005))])
        #expect(machine.tick(now: at(2005)) == [.tryAcquire])
    }

    @Test func heartbeatErrorAndConnectionLossDemote() {
        var a = leader()
        _ = a.tick(now: at(1000))
        #expect(a.heartbeatFailed(now: at(1005)) == [.demote(reason: .heartbeatFailed), .reconnect])
        var b = leader()
        #expect(b.connectionLost(now: at(300)) == [.demote(reason: .connectionLost), .wait(until: at(800))])
        #expect(b.tick(now: at(800)) == [.reconnect])
    }

    @Test func backendChangeAtAcquisitionRefusesAndReconnects() {
        var machine = Machine(configuration: config)
        _ = machine.tick(now: at(0))
        _ = machine.connected(now: at(0))
        #expect(machine.acquireResult(.backendChanged, now: at(5)) == [.reconnect])
        #expect(machine.epoch == nil)
    }

    @Test func acquisitionAnsweredTooLateIsGivenBack() {
        var machine = Machine(configuration: config)
        _ = machine.tick(now: at(0))
        _ = machine.connected(now: at(0))
        #expect(machine.acquireResult(.acquired(epoch: 3), now: at(4000)) == [.release])
        #expect(machine.epoch == nil)
        #expect(machine.released(now: at(4010)) == [.wait(until: at(4510))])
    }

    @Test func hungAcquisitionReconnects() {
        var machine = Machine(configuration: config)
        _ = machine.tick(now: at(0))
        _ = machine.connected(now: at(0))
        #expect(machine.deadline == at(4000))
        #expect(machine.tick(now: at(4000)) == [.reconnect])
    }

    @Test func shutdownWhileActiveDemotesThenReleasesThenStops() {
        var machine = leader()
        #expect(machine.shutdown(now: at(500)) == [.demote(reason: .shutdown), .release])
        #expect(machine.tick(now: at(600)) == [])
        #expect(machine.released(now: at(700)) == [.stop])
        #expect(machine.isStopped)
    }

    @Test func shutdownWhileStandbyStops() {
        var machine = Machine(configuration: config)
        _ = machine.tick(now: at(0))
        _ = machine.connected(now: at(0))
        _ = machine.acquireResult(.notAcquired, now: at(10))
        #expect(machine.shutdown(now: at(20)) == [.stop])
    }

    @Test func shutdownDuringAcquisitionNeverPromotes() {
        var machine = Machine(configuration: config)
        _ = machine.tick(now: at(0))
        _ = machine.connected(now: at(0))
        #expect(machine.shutdown(now: at(1)) == [])
        #expect(machine.acquireResult(.acquired(epoch: 9), now: at(5)) == [.release])
        #expect(machine.released(now: at(6)) == [.stop])
    }

    @Test func connectFailureRetriesAfterDelay() {
        var machine = Machine(configuration: config)
        _ = machine.tick(now: at(0))
        #expect(machine.connectFailed(now: at(100)) == [.wait(until: at(600))])
        #expect(machine.tick(now: at(599)) == [.wait(until: at(600))])
        #expect(machine.tick(now: at(600)) == [.reconnect])
    }

    @Test func eventsOutOfStateAreIgnored() {
        var machine = Machine(configuration: config)
        #expect(machine.heartbeatSucceeded(sentAt: at(0), proof: .held, now: at(1)) == [])
        #expect(machine.acquireResult(.acquired(epoch: 1), now: at(1)) == [])
        #expect(machine.released(now: at(1)) == [])
        #expect(machine.epoch == nil)
    }
}
