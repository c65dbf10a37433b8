// kjob-spawn: the pre-exec step of every sandboxed run (see SpawnPlan). Single-threaded, short-lived.
#if canImport(Glibc)
import Glibc
#endif
import KJobSandbox

func fail(_ status: Int32, _ message: String) -> Never {
    let text = "kjob-spawn: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    _exit(status)
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// Exit statuses as shells and `env` use them: 125 setup failed, 126 not executable, 127 not found.
let setupFailed: Int32 = 125

let plan: SpawnPlan
do {
    plan = try SpawnPlan(parsing: Array(CommandLine.arguments.dropFirst()))
} catch {
    fail(setupFailed, error.description)
}

let pidText = String(getpid())
for path in plan.cgroupProcs {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { fail(setupFailed, "cannot open \(path): \(errnoText())") }
    let written = pidText.withCString { write(fd, $0, strlen($0)) }
    guard written == pidText.utf8.count else { fail(setupFailed, "cannot join cgroup \(path): \(errnoText())") }
    close(fd)
}

for (limit, value) in plan.limits {
    let resource: __rlimit_resource
    switch limit {
    case .addressSpace: resource = RLIMIT_AS
    case .cpu: resource = RLIMIT_CPU
    case .nofile: resource = RLIMIT_NOFILE
    case .nproc: resource = __rlimit_resource(rawValue: 6)  // RLIMIT_NPROC
    }
    var rl = rlimit(rlim_cur: rlim_t(value.soft), rlim_max: rlim_t(value.hard))
    guard setrlimit(__rlimit_resource_t(resource.rawValue), &rl) == 0 else {
        fail(setupFailed, "setrlimit \(limit.rawValue)=\(value.soft):\(value.hard): \(errnoText())")
    }
}

if let directory = plan.directory, chdir(directory) != 0 {
    fail(setupFailed, "cannot enter \(directory): \(errnoText())")
}

if let user = plan.user {
    guard let entry = getpwnam(user) else { fail(setupFailed, "no user named \(user)") }
    let uid = entry.pointee.pw_uid
    let gid = entry.pointee.pw_gid
    guard initgroups(user, gid) == 0 else { fail(setupFailed, "initgroups \(user): \(errnoText())") }
    guard setgid(gid) == 0 else { fail(setupFailed, "setgid \(gid): \(errnoText())") }
    guard setuid(uid) == 0 else { fail(setupFailed, "setuid \(uid): \(errnoText())") }
    if uid != 0, setuid(0) == 0 { fail(setupFailed, "could regain root after dropping to \(user)") }
}

// Only 0, 1 and 2 cross into the command, whatever the daemon forgot to mark close-on-exec.
typealias CloseRange = @convention(c) (UInt32, UInt32, Int32) -> Int32
if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "close_range"),
   unsafeBitCast(symbol, to: CloseRange.self)(3, UInt32.max, 0) == 0 {
} else if let dir = opendir("/proc/self/fd") {
    let own = dirfd(dir)
    var open: [Int32] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if let fd = Int32(name), fd > 2, fd != own { open.append(fd) }
    }
    closedir(dir)
    for fd in open { close(fd) }
}

let argv = plan.command.map { strdup($0) } + [nil]
execvp(plan.command[0], argv)
let code = errno
fail(code == ENOENT ? 127 : 126, "cannot run \(plan.command[0]): \(errnoText())")
