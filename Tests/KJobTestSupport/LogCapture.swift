import Foundation
import Logging
import Synchronization

/// Collects log messages in memory so tests can assert on the lines an operator would see.
public final class LogCapture: Sendable {
    public let lines = Mutex<[String]>([])

    public init() {}

    public func logger(label: String) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .debug
        return logger
    }

    func name(for metadata: Logger.Metadata) -> String { metadata["node"].map { "\($0)" } ?? "-" }

    public func contains(_ text: String) -> Bool { lines.withLock { $0.contains { $0.contains(text) } } }

    /// Every captured line, for a failing test to print.
    public var text: String { lines.withLock { $0.joined(separator: "\n") } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let line = "\(event.level) \(event.message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
            capture.lines.withLock { $0.append(line) }
            if ProcessInfo.processInfo.environment["KJOB_TEST_LOG"] != nil { print("[\(capture.name(for: metadata))] \(line)") }
        }
    }
}
