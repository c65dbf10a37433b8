import Foundation

/// What a claim does with one due run, given the job's overlap policy and its running runs.
/// Pure; stand-in for `OverlapPolicy.decide` until it lands on main.
public enum ClaimDecision: Sendable, Hashable {
    case start
    /// Record the run `skipped` with this reason.
    case skip(String)
    /// Leave it queued until the running ones end.
    case wait
    /// Ask these running runs to cancel; the new one starts once they ended.
    case cancelThenWait([UUID])

    public static func decide(overlap: RunSettings.Overlap, running: [UUID]) -> ClaimDecision {
        guard !running.isEmpty else { return .start }
        switch overlap {
        case .allow: return .start
        case .skip: return .skip("overlap")
        case .queue: return .wait
        case .replace: return .cancelThenWait(running)
        }
    }
}
