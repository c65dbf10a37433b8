import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension ContainerCommand {
    /// The `--ulimit`s for podman (see `ulimits`): open files at the run's limit (kjob-spawn gives
    /// the engine client the same one, so the runtime may set it; it is also the job's limit inside),
    /// else kjobd's own; processes at kjobd's own, capped at the kernel's pid_max (podman lowers its
    /// own limit to it, and its runtime refuses anything above). Unlimited ones (RLIM_INFINITY,
    /// rlim_t.max) are left to the engine. Glibc imports RLIMIT_NPROC only under its enum name.
    public static func podmanUlimits(openFiles: Int?, pidMax: UInt64? = currentPidMax()) -> [Ulimit] {
        var limits: [Ulimit] = []
        if let openFiles, openFiles > 0 {
            limits.append(Ulimit(name: "nofile", soft: UInt64(openFiles), hard: UInt64(openFiles)))
        } else if let own = ownLimit(RLIMIT_NOFILE) {
            limits.append(Ulimit(name: "nofile", soft: own.soft, hard: own.hard))
        }
        if let own = ownLimit(__RLIMIT_NPROC) {
            let hard = pidMax.map { min(own.hard, $0) } ?? own.hard
            limits.append(Ulimit(name: "nproc", soft: min(own.soft, hard), hard: hard))
        }
        return limits
    }

    public static func currentPidMax() -> UInt64? {
        (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))
            .flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private static func ownLimit(_ resource: __rlimit_resource) -> (soft: UInt64, hard: UInt64)? {
        var current = rlimit()
        guard getrlimit(__rlimit_resource_t(resource.rawValue), &current) == 0, current.rlim_max != rlim_t.max else { return nil }
        return (min(UInt64(current.rlim_cur), UInt64(current.rlim_max)), UInt64(current.rlim_max))
    }
}
