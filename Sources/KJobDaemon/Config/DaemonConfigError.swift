/// A config file or `KJOBD_*` variable that cannot be used; says where and how to fix it.
public struct DaemonConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where: `lease.timeout`, `env KJOBD_LEASE_TIMEOUT`, or the file path.
    public var location: String
    public var message: String

    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
