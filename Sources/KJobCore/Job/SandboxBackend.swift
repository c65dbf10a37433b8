/// How a run's child process is isolated (DESIGN §8).
public enum SandboxBackend: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// posix_spawn in its own session with rlimits; no filesystem isolation.
    case process
    /// bubblewrap: read-only root, private /tmp and /dev, no network unless asked.
    case bwrap
    /// The docker CLI; needs `image`.
    case docker
    /// The podman CLI; needs `image`.
    case podman

    /// Container engines run an image; the others run on the host filesystem.
    public var needsImage: Bool { self == .docker || self == .podman }

    public var description: String { rawValue }
}
