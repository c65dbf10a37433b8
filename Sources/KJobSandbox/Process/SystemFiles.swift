#if canImport(Glibc)
    import Glibc
#endif

/// Small, allocation-light reads and writes of kernel files (/proc, /sys/fs/cgroup).
enum SystemFiles {
    static func read(_ path: String, limit: Int = 1 << 20) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            result += buffer[0..<n]
        }
        return String(decoding: result, as: UTF8.self)
    }

    @discardableResult
    static func write(_ path: String, _ text: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let n = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        return n == text.utf8.count
    }

    /// Writes all of `bytes` to `fd`; false (errno set) when a write fails.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { return false }
            written += result
        }
        return true
    }

    /// Whether `/proc/<pid>/environ` holds `entry` (`NAME=value\0`) as a whole variable.
    static func environmentContains(pid: Int32, _ entry: [UInt8]) -> Bool {
        let fd = open("/proc/\(pid)/environ", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var data: [UInt8] = [0]
        var buffer = [UInt8](repeating: 0, count: 8192)
        while data.count < 1 << 20 {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            data += buffer[0..<n]
        }
        let needle = [0] + entry
        guard data.count >= needle.count else { return false }
        return data.withUnsafeBytes { haystack in
            needle.withUnsafeBytes { needle in
                var index = 0
                while index + needle.count <= haystack.count {
                    if memcmp(haystack.baseAddress! + index, needle.baseAddress!, needle.count) == 0 { return true }
                    index += 1
                }
                return false
            }
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func makeDirectory(_ path: String, mode: mode_t = 0o755) -> Bool {
        mkdir(path, mode) == 0 || errno == EEXIST
    }

    static func pids(inProcsFile path: String) -> [Int32] {
        (read(path) ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// Every process on the node, from /proc.
    static func processTable() -> [ProcSweep.Entry] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var entries: [ProcSweep.Entry] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            guard let first = name.utf8.first, first >= 0x30, first <= 0x39 else { continue }
            if let text = read("/proc/\(name)/stat", limit: 4096), let parsed = ProcSweep.parseStat(text) {
                entries.append(parsed)
            }
        }
        return entries
    }
}

extension SystemFiles {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private static let pipe2Symbol: Pipe2? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2")
        .map { unsafeBitCast($0, to: Pipe2.self) }

    /// A pipe created close-on-exec atomically (pipe2, not exported to Swift by Glibc), so a
    /// concurrent spawn on another thread never inherits it.
    static func makePipe(flags: Int32) -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        if let pipe2 = pipe2Symbol {
            guard pipe2(&fds, flags) == 0 else { return nil }
        } else {
            guard pipe(&fds) == 0 else { return nil }
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                if flags & O_NONBLOCK != 0 { _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
            }
        }
        return (fds[0], fds[1])
    }
}
