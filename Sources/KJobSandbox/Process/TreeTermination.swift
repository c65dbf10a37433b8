/// How a run's process tree is brought down, as a pure state machine: observations in, actions
/// out, time passed in. SIGTERM first; SIGKILL to whatever is left after `grace`; then a bounded
/// wait for the tree to empty (anything still there is reported as stray).
public struct TreeTermination: Sendable {
    public enum Action: Sendable, Hashable {
        case note(String)
        case sigterm
        /// SIGKILL to every member (repeated while the tree drains, for processes that raced it).
        case sigkill
        /// Nothing more to do; `stray` when processes outlived the kill wait.
        case finished(stray: Bool)
    }

    enum Phase: Sendable, Hashable {
        case idle
        case terminating(until: ContinuousClock.Instant)
        case killing(until: ContinuousClock.Instant)
        case done
    }

    public let grace: Duration
    public let killWait: Duration
    private(set) var phase: Phase = .idle

    public init(grace: Duration, killWait: Duration = .seconds(5)) {
        self.grace = grace
        self.killWait = killWait
    }

    public var isDone: Bool { phase == .done }

    /// `reason` is nil when the main process ended by itself (leftovers are cleaned up).
    public mutating func start(reason: KillReason?, members: Int, now: ContinuousClock.Instant) -> [Action] {
        guard phase == .idle else { return [] }
        var actions: [Action] = []
        if let reason {
            actions.append(.note("[kjob] \(reason.rawValue): SIGTERM to every process of the run; SIGKILL after \(grace)\n"))
        } else if members > 0 {
            actions.append(.note("[kjob] main process ended; stopping \(members) remaining process(es)\n"))
        }
        guard members > 0 else {
            phase = .done
            return actions + [.finished(stray: false)]
        }
        phase = .terminating(until: now + grace)
        return actions + [.sigterm]
    }

    /// Called periodically with the tree's current size.
    public mutating func tick(members: Int, now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .idle, .done:
            return []
        case .terminating(let until):
            if members == 0 {
                phase = .done
                return [.finished(stray: false)]
            }
            guard now >= until else { return [] }
            phase = .killing(until: now + killWait)
            return [.note("[kjob] SIGKILL to \(members) process(es) after \(grace)\n"), .sigkill]
        case .killing(let until):
            if members == 0 {
                phase = .done
                return [.finished(stray: false)]
            }
            guard now >= until else { return [.sigkill] }
            phase = .done
            return [.finished(stray: true)]
        }
    }
}
