#if canImport(Glibc)
    import Glibc
#endif

/// How the run's main process ended.
public enum ProcessTermination: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        if signal == 0 { self = .exited((status >> 8) & 0xff) } else { self = .signaled(signal) }
    }

    public var exitCode: Int32? { if case .exited(let code) = self { code } else { nil } }
    public var signal: Int32? { if case .signaled(let signal) = self { signal } else { nil } }

    public var description: String {
        switch self {
        case .exited(let code): "exit \(code)"
        case .signaled(let signal): "signal \(signal) (\(Self.signalName(signal)))"
        }
    }

    public static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGHUP: "SIGHUP"
        case SIGINT: "SIGINT"
        case SIGQUIT: "SIGQUIT"
        case SIGABRT: "SIGABRT"
        case SIGKILL: "SIGKILL"
        case SIGSEGV: "SIGSEGV"
        case SIGPIPE: "SIGPIPE"
        case SIGTERM: "SIGTERM"
        case SIGXCPU: "SIGXCPU"
        case SIGXFSZ: "SIGXFSZ"
        default: "signal \(signal)"
        }
    }
}
