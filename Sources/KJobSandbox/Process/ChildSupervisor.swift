import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One run's dedicated thread: spawns the child with posix_spawn, reads stdout and stderr as they
/// arrive (non-blocking pipes under poll), chunks and caps them, and reaps the child.
///
/// The spawning thread stays alive until the run is over, which keeps `PR_SET_PDEATHSIG`-based
/// options such as bwrap's `--die-with-parent` from firing early. Chunks reach the async side
/// through `events`; a small credit count bounds what is in flight, so a slow sink slows reading
/// instead of growing memory, and past the cap reads are dropped at once so the child never blocks.
final class ChildSupervisor: Sendable {
    enum Event: Sendable {
        case started(pid: Int32)
        case spawnFailed(SandboxError)
        case chunk(LogChunk)
        case exited(ProcessTermination)
        case outputClosed(LogSummary, stdoutTail: [UInt8])
    }

    struct Spawn: Sendable {
        var argv: [String]
        /// The spawned program's own environment (kjob-spawn's: `SpawnPlan.helperEnvironment`).
        var environment: [String]
        /// Handed over on `SpawnPlan.environmentFD` (kjob-spawn's `--env-fd`): `SpawnPlan.environmentBlock`.
        var handedEnvironment: [UInt8]? = nil
    }

    let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let capper: Mutex<LogCapper>
    private let control = Mutex(Control())
    private let credits: DispatchSemaphore
    private let wake: (read: Int32, write: Int32)
    private let tree: ProcessTree

    static let readSize = 64 * 1024
    static let creditCount = 16

    struct Control {
        var forceClose = false
        var consumerGone = false
        var finished = false
        /// posix_spawn has returned (and the tree knows the root) or failed.
        var settled = false
    }

    init(maxLogBytes: Int64, tailBytes: Int, tree: ProcessTree) {
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
        capper = Mutex(LogCapper(maxBytes: maxLogBytes, tailBytes: tailBytes))
        credits = DispatchSemaphore(value: Self.creditCount)
        wake = SystemFiles.makePipe(flags: O_CLOEXEC | O_NONBLOCK) ?? (-1, -1)
        self.tree = tree
        continuation.onTermination = { [weak self] _ in
            self?.control.withLock { $0.consumerGone = true }
        }
    }

    /// Starts the thread; events follow.
    func start(_ spawn: Spawn) {
        let thread = Thread { [self] in
            self.run(spawn)
        }
        thread.name = "kjob-run"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The async side stored an output (non-system) chunk.
    func consumed() { credits.signal() }

    /// A system note in the same sequence as the output.
    func note(_ text: String) {
        capper.withLock { capper in
            _ = continuation.yield(.chunk(capper.note(text, at: Date())))
        }
    }

    /// Stop reading and close the pipes even if a stray process still holds them open.
    func forceCloseOutput() {
        control.withLock { $0.forceClose = true }
        var byte: UInt8 = 1
        _ = Glibc.write(wake.write, &byte, 1)
    }

    var isFinished: Bool { control.withLock { $0.finished } }
    var isSettled: Bool { control.withLock { $0.settled || $0.finished } }

    // MARK: - Thread body

    private func run(_ spawn: Spawn) {
        defer {
            close(wake.read)
            close(wake.write)
            control.withLock { $0.finished = true }
            continuation.finish()
        }
        let stdoutPair = SystemFiles.makePipe(flags: O_CLOEXEC)
        let stderrPair = stdoutPair == nil ? nil : SystemFiles.makePipe(flags: O_CLOEXEC)
        guard let stdoutPair, let stderrPair else {
            let reason = SystemFiles.errnoText()
            if let stdoutPair {
                close(stdoutPair.read)
                close(stdoutPair.write)
            }
            continuation.yield(
                .spawnFailed(
                    SandboxError(
                        .spawnFailed, "cannot create pipes: \(reason)",
                        fix: "raise kjobd's open-file limit")))
            return
        }
        let stdoutPipe = [stdoutPair.read, stdoutPair.write]
        let stderrPipe = [stderrPair.read, stderrPair.write]
        let result = Self.posixSpawn(spawn, stdout: stdoutPipe[1], stderr: stderrPipe[1])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        let pid: Int32
        switch result {
        case .failure(let error):
            close(stdoutPipe[0])
            close(stderrPipe[0])
            continuation.yield(.spawnFailed(error))
            return
        case .success(let spawned):
            pid = spawned
        }
        _ = fcntl(stdoutPipe[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(stderrPipe[0], F_SETFL, O_NONBLOCK)
        tree.started(root: pid)
        control.withLock { $0.settled = true }
        continuation.yield(.started(pid: pid))
        pump(pid: pid, stdout: stdoutPipe[0], stderr: stderrPipe[0])
    }

    private func pump(pid: Int32, stdout: Int32, stderr: Int32) {
        var open: [(fd: Int32, stream: LogStream)] = [(stdout, .stdout), (stderr, .stderr)]
        var exited = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 16)
        defer { buffer.deallocate() }
        var lastRefresh = ContinuousClock.now
        var waitsForExit = 0

        while !open.isEmpty || !exited {
            if control.withLock({ $0.forceClose }) {
                for entry in open { close(entry.fd) }
                open.removeAll()
            }
            var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            fds.append(pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0))
            let timeout = Self.pollTimeout(outputOpen: !open.isEmpty, exited: exited, waitsForExit: waitsForExit)
            if open.isEmpty, !exited { waitsForExit += 1 }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0, errno != EINTR { break }

            if fds.last!.revents != 0 {
                var sink = [UInt8](repeating: 0, count: 64)
                _ = Glibc.read(wake.read, &sink, sink.count)
            }
            var closed: Set<Int32> = []
            for (index, entry) in open.enumerated() where fds[index].revents != 0 {
                if !drain(entry.fd, entry.stream, buffer) { closed.insert(entry.fd) }
            }
            if !closed.isEmpty {
                for fd in closed { close(fd) }
                open.removeAll { closed.contains($0.fd) }
            }

            if !exited {
                var status: Int32 = 0
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid {
                    ChildRegistry.reaped(pid)
                    exited = true
                    tree.rootExited()
                    continuation.yield(.exited(ProcessTermination(waitStatus: status)))
                } else if reaped < 0, errno == ECHILD {
                    ChildRegistry.reaped(pid)
                    exited = true
                    tree.rootExited()
                    continuation.yield(.exited(.exited(-1)))
                }
            }
            if tree.cgroup == nil, ContinuousClock.now - lastRefresh > .milliseconds(250) {
                tree.refresh()
                lastRefresh = .now
            }
        }
        let (summary, tail) = capper.withLock { capper in
            for chunk in capper.finish(at: Date()) { continuation.yield(.chunk(chunk)) }
            return (capper.summary, capper.stdoutTail.bytes)
        }
        continuation.yield(.outputClosed(summary, stdoutTail: tail))
    }

    /// Milliseconds the pump's poll may block. While output is open, a read or the child's exit
    /// wakes it soon enough. Once both pipes are closed only the exit is awaited, and the child
    /// usually becomes reapable microseconds after its pipes close: poll again after 1 ms, backing
    /// off to 100 ms for a child that closed its output and keeps running.
    static func pollTimeout(outputOpen: Bool, exited: Bool, waitsForExit: Int) -> Int32 {
        if exited { return 200 }
        if outputOpen { return 100 }
        return Int32(min(100, 1 << min(waitsForExit, 7)))
    }

    /// Reads what is there (bounded per call so one busy stream cannot starve the other).
    /// Returns false at end of file or on error.
    private func drain(_ fd: Int32, _ stream: LogStream, _ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        for _ in 0..<16 {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n == 0 { return false }
            if n < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK
            }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            let capped = capper.withLock { $0.isCapped }
            if capped {
                capper.withLock { _ = $0.ingest(stream, bytes, at: Date()) }
                continue
            }
            acquireCredit()
            capper.withLock { capper in
                // One credit covers the (at most one) output chunk; system notes ride along free.
                let chunks = capper.ingest(stream, bytes, at: Date())
                if !chunks.contains(where: { $0.stream != .system }) { credits.signal() }
                for chunk in chunks { continuation.yield(.chunk(chunk)) }
            }
        }
        return true
    }

    private func acquireCredit() {
        while credits.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
            if control.withLock({ $0.consumerGone || $0.forceClose }) { return }
        }
    }
}
