import KJobCore
import Testing

@Suite("WorkerSupervision")
struct WorkerSupervisionTests {
    @Test func failuresRestartAloneWithBackoffCappedAt30Seconds() {
        var supervision = WorkerSupervision()
        let delays = (1...7).map { _ -> Duration in
            guard case .restart(let delay, _) = supervision.workerEnded(.failed, after: .milliseconds(10)) else { return .zero }
            return delay
        }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
        #expect(supervision.failures == 7)
    }

    @Test func aWorkerThatRanHealthyStartsOverAtTheInitialPause() {
        var supervision = WorkerSupervision()
        for _ in 0..<4 { _ = supervision.workerEnded(.failed, after: .seconds(1)) }
        #expect(supervision.workerEnded(.failed, after: .seconds(61)) == .restart(after: .seconds(1), failures: 1))
        #expect(supervision.workerEnded(.returned, after: .seconds(1)) == .restart(after: .seconds(2), failures: 2))
    }

    @Test func onlyAStaleEpochEndsTheActivationAndCancellationStops() {
        var supervision = WorkerSupervision()
        #expect(supervision.workerEnded(.staleEpoch, after: .seconds(1)) == .endActivation)
        #expect(supervision.workerEnded(.cancelled, after: .seconds(1)) == .stop)
        #expect(supervision.failures == 0)
    }
}

@Suite("CappedBackoff")
struct CappedBackoffTests {
    @Test func doublesFromInitialUpToMaximum() {
        let backoff = CappedBackoff(initial: .milliseconds(200), maximum: .seconds(5))
        #expect(
            (0...7).map { backoff.delay(afterFailures: $0) }
                == [0, 200, 400, 800, 1600, 3200, 5000, 5000].map { Duration.milliseconds($0) })
        #expect(backoff.delay(afterFailures: 10_000) == .seconds(5))
        #expect(CappedBackoff(initial: .seconds(3), maximum: .seconds(1)).delay(afterFailures: 2) == .seconds(3), "a maximum below initial is raised to it")
    }
}
