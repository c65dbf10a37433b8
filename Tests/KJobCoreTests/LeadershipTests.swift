import KJobCore
import Testing

@Suite("Leadership")
struct LeadershipTests {
    @Test func workFollowsTheRoleAndDrainIsObservable() async throws {
        let leadership = Leadership()
        async let epoch = leadership.waitUntilActive()
        leadership.promote(epoch: 4)
        #expect(await epoch == 4)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await leadership.withWork {
                    await leadership.waitUntilNotActive(epoch: 4)
                }
            }
            #expect(await leadership.state.wait(until: { $0.runningWork == 1 }) != nil)
            leadership.demote()
            let stopped = await leadership.waitUntilWorkStopped(deadline: .now.advanced(by: .seconds(5)))
            #expect(stopped)
            try await group.waitForAll()
        }
        #expect(leadership.role == .standby)
    }

    @Test func waitIsCancellable() async {
        let leadership = Leadership()
        let result = await withTaskGroup(of: Int64?.self) { group in
            group.addTask { await leadership.waitUntilActive() }
            group.cancelAll()
            return await group.next() ?? 0
        }
        #expect(result == nil)
    }
}
