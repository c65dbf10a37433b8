import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a run's chunks to `log_dir/<job>/<run-id>.log` for log shippers.
///
/// Format ("kjob-log v1"): per chunk one header line
/// `@kjob seq=<n> stream=<stdout|stderr|system> at=<RFC 3339> len=<bytes>` then exactly `len` raw
/// bytes and a newline. Headers stay greppable; the payload is byte-exact, so binary and invalid
/// UTF-8 survive; `LogFileReader` reads it back.
public actor FileLogSink: RunLogSink {
    public nonisolated let path: String
    private var fd: Int32

    /// Creates `<logDir>/<job>/` (0750) and the run's file (0640). An existing file is an error:
    /// a run id is written once.
    public init(logDir: String, job: String, runID: String) throws(SandboxError) {
        guard RunIdentity.isSafePathComponent(job), RunIdentity.isSafePathComponent(runID) else {
            throw SandboxError(
                .logFile, "job \"\(job)\" or run id \"\(runID)\" is not a safe file name",
                fix: "use slugs and UUIDs")
        }
        let directory = "\(logDir)/\(job)"
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o750])
        } catch {
            throw SandboxError(
                .logFile, "cannot create log directory \(directory): \(error.localizedDescription)",
                fix: "make log_dir writable by kjobd")
        }
        let path = "\(directory)/\(runID).log"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw SandboxError(
                .logFile, "cannot create \(path): \(String(cString: strerror(errno)))",
                fix: "make log_dir writable by kjobd; a run id is logged once")
        }
        self.path = path
        self.fd = fd
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    public static func header(_ chunk: LogChunk) -> String {
        "@kjob seq=\(chunk.seq) stream=\(chunk.stream.rawValue) at=\(RunEnvironment.rfc3339(chunk.at)) len=\(chunk.bytes.count)\n"
    }

    public func append(_ chunk: LogChunk) async throws {
        var record = Array(Self.header(chunk).utf8)
        record.reserveCapacity(record.count + chunk.bytes.count + 1)
        record += chunk.bytes
        record.append(0x0A)
        try writeAll(record)
    }

    public func finish(_ summary: LogSummary) async throws {
        guard fd >= 0 else { return }
        let status = fsync(fd)
        close(fd)
        fd = -1
        if status != 0 { throw LogFileError(path: path, reason: "fsync: \(String(cString: strerror(errno)))") }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        guard fd >= 0 else { throw LogFileError(path: path, reason: "already closed") }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw LogFileError(path: path, reason: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
    }
}

public struct LogFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "log file \(path): \(reason)" }
}
