// kjob-spawn: the pre-exec step of every sandboxed run (the daemon's side is SpawnPlan in KJobSandbox).
//
//   kjob-spawn [--cgroup PROCS]... [--rlimit as|cpu|nofile|nproc=SOFT:HARD]... [--chdir DIR]
//              [--user NAME] [--env-fd FD] -- COMMAND [ARG]...
//
// The daemon never forks and posix_spawn cannot set limits or ids, so this runs in the child between
// posix_spawn and exec. It is C, not Swift, because it runs once per run: a Swift executable spends
// milliseconds in the dynamic loader (libswiftCore, Foundation) before main; this needs only libc.
//
// It starts as root (when kjobd is), so the daemon gives it an empty environment: nothing a job
// chose (LD_PRELOAD and the like act in the loader, before main) may reach a root process. The
// command's environment comes on --env-fd, never in argv (/proc/PID/cmdline is world-readable and
// values may be secrets): NUL-terminated NAME=VALUE entries, read to the end and closed at once. It
// is applied only at the final exec, after the switch to the user, and the command is looked up on
// its PATH. Without --env-fd the command inherits this process's environment.
//
// Every argument is checked (and the environment read) before anything is changed. Then, in this
// order: write our pid into each cgroup.procs (so every later process of the run is accounted), set
// the rlimits, enter the directory, drop to the user (initgroups, setgid, setuid, and refuse if root
// can be regained), close every descriptor above 2, exec. The last --chdir, --user, --env-fd and
// --rlimit of a kind win.
//
// Exit statuses as shells and `env` use them: 125 setup failed, 126 not executable, 127 not found;
// the reason goes to stderr (the run's log) as "kjob-spawn: ...". It never prints an environment value.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

// SwiftPM links this with swiftc, which adds -lswiftCore: loading libswiftCore (and libstdc++, libm)
// cost ~2 ms per run. Package.swift passes -nostartfiles (no swiftrt.o, so nothing references the
// runtime), and this autolink entry, which swiftc places before -lswiftCore, makes the linker drop
// every library we do not use: only libc stays. SpawnHelperTests checks the binary for it.
__attribute__((used, section(".swift1_autolink_entries"))) static const char autolink[] = "-Wl,--as-needed";

enum { SETUP_FAILED = 125, NOT_EXECUTABLE = 126, NOT_FOUND = 127 };
/// Far above what kjob sends (a job's env is at most 32 KiB, its prompt 64 KiB), below ARG_MAX trouble.
enum { ENVIRONMENT_MAX = 4 << 20 };

static const struct {
    const char *name;
    int resource;
} LIMITS[] = {{"as", RLIMIT_AS}, {"cpu", RLIMIT_CPU}, {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC}};
enum { LIMIT_COUNT = sizeof LIMITS / sizeof LIMITS[0] };

__attribute__((noreturn, format(printf, 2, 3))) static void fail(int status, const char *format, ...) {
    char text[4096] = "kjob-spawn: ";
    size_t used = strlen(text);
    va_list args;
    va_start(args, format);
    vsnprintf(text + used, sizeof text - used - 1, format, args);
    va_end(args);
    used = strlen(text);
    text[used++] = '\n';
    ssize_t ignored = write(2, text, used);
    (void)ignored;
    _exit(status);
}

/// A decimal number of digits only (no sign, no spaces), within 64 bits.
static int parse_u64(const char *text, size_t length, unsigned long long *value) {
    if (length == 0) return 0;
    unsigned long long result = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9') return 0;
        unsigned digit = (unsigned)(text[i] - '0');
        if (result > (~0ULL - digit) / 10) return 0;
        result = result * 10 + digit;
    }
    *value = result;
    return 1;
}

/// NAME=SOFT:HARD with SOFT <= HARD; returns the index in LIMITS or -1.
static int parse_rlimit(const char *text, struct rlimit *limit) {
    const char *equals = strchr(text, '=');
    const char *colon = equals ? strchr(equals + 1, ':') : NULL;
    if (!colon) return -1;
    unsigned long long soft, hard;
    if (!parse_u64(equals + 1, (size_t)(colon - equals - 1), &soft) || !parse_u64(colon + 1, strlen(colon + 1), &hard) ||
        soft > hard)
        return -1;
    for (int i = 0; i < LIMIT_COUNT; i++) {
        if (strlen(LIMITS[i].name) == (size_t)(equals - text) && strncmp(text, LIMITS[i].name, (size_t)(equals - text)) == 0) {
            limit->rlim_cur = (rlim_t)soft;
            limit->rlim_max = (rlim_t)hard;
            return i;
        }
    }
    return -1;
}

/// Only 0, 1 and 2 cross into the command, whatever the daemon forgot to mark close-on-exec.
static void close_inherited(void) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
    DIR *dir = opendir("/proc/self/fd");  // kernels before 5.9
    if (!dir) return;
    int own = dirfd(dir);
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
        unsigned long long fd;
        if (parse_u64(entry->d_name, strlen(entry->d_name), &fd) && fd > 2 && (int)fd != own) close((int)fd);
    }
    closedir(dir);
}

/// The command's environment from `fd`: read to the end (from the start when it can seek: the daemon
/// hands over a memfd it has written), closed, split at each NUL. Every entry must be NAME=VALUE.
static char **read_environment(int fd) {
    if (lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
        fail(SETUP_FAILED, "cannot read the environment from fd %d: %s", fd, strerror(errno));
    size_t size = 0, capacity = 64 * 1024;
    char *data = malloc(capacity);
    if (!data) fail(SETUP_FAILED, "out of memory");
    for (;;) {
        if (size == capacity) {
            if (capacity >= ENVIRONMENT_MAX) fail(SETUP_FAILED, "the environment on fd %d is larger than %d bytes", fd, ENVIRONMENT_MAX);
            capacity *= 2;
            data = realloc(data, capacity);
            if (!data) fail(SETUP_FAILED, "out of memory");
        }
        ssize_t got = read(fd, data + size, capacity - size);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) fail(SETUP_FAILED, "cannot read the environment from fd %d: %s", fd, strerror(errno));
        if (got == 0) break;
        size += (size_t)got;
    }
    close(fd);
    if (size > 0 && data[size - 1] != '\0') fail(SETUP_FAILED, "the environment on fd %d does not end with a NUL", fd);
    size_t count = 0;
    for (size_t i = 0; i < size; i++) count += data[i] == '\0';
    char **environment = calloc(count + 1, sizeof *environment);
    if (!environment) fail(SETUP_FAILED, "out of memory");
    char *entry = data;
    for (size_t i = 0; i < count; i++) {
        char *equals = strchr(entry, '=');
        if (!equals || equals == entry) fail(SETUP_FAILED, "environment entry %zu on fd %d is not NAME=VALUE", i + 1, fd);
        environment[i] = entry;
        entry += strlen(entry) + 1;
    }
    return environment;
}

int main(int argc, char **argv) {
    // Pass 1: check everything, change nothing.
    const char **cgroups = calloc((size_t)argc + 1, sizeof *cgroups);
    if (!cgroups) fail(SETUP_FAILED, "out of memory");
    int cgroup_count = 0;
    struct rlimit limits[LIMIT_COUNT];
    int has_limit[LIMIT_COUNT] = {0};
    const char *directory = NULL, *user = NULL;
    int environment_fd = -1;
    char **command = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            if (i + 1 >= argc) fail(SETUP_FAILED, "no command after --");
            command = argv + i + 1;  // argv[argc] is NULL: execvp's terminator
            break;
        }
        int takes_value = strcmp(arg, "--cgroup") == 0 || strcmp(arg, "--chdir") == 0 || strcmp(arg, "--user") == 0 ||
                          strcmp(arg, "--rlimit") == 0 || strcmp(arg, "--env-fd") == 0;
        if (!takes_value) fail(SETUP_FAILED, "unknown option %s", arg);
        if (++i >= argc) fail(SETUP_FAILED, "%s needs a value", arg);
        const char *value = argv[i];
        if (strcmp(arg, "--cgroup") == 0) {
            cgroups[cgroup_count++] = value;
        } else if (strcmp(arg, "--chdir") == 0) {
            directory = value;
        } else if (strcmp(arg, "--user") == 0) {
            user = value;
        } else if (strcmp(arg, "--env-fd") == 0) {
            unsigned long long fd;
            if (!parse_u64(value, strlen(value), &fd) || fd < 3 || fd > 65535)
                fail(SETUP_FAILED, "bad --env-fd %s; expected a descriptor number above 2", value);
            environment_fd = (int)fd;
        } else {
            struct rlimit limit;
            int index = parse_rlimit(value, &limit);
            if (index < 0) fail(SETUP_FAILED, "bad --rlimit %s; expected as|cpu|nofile|nproc=SOFT:HARD", value);
            limits[index] = limit;
            has_limit[index] = 1;
        }
    }
    if (!command) fail(SETUP_FAILED, "missing -- before the command");
    char **environment = environment_fd >= 0 ? read_environment(environment_fd) : NULL;

    // Pass 2: act.
    char pid[24];
    int pid_length = snprintf(pid, sizeof pid, "%d", (int)getpid());
    for (int i = 0; i < cgroup_count; i++) {
        int fd = open(cgroups[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) fail(SETUP_FAILED, "cannot open %s: %s", cgroups[i], strerror(errno));
        if (write(fd, pid, (size_t)pid_length) != pid_length) fail(SETUP_FAILED, "cannot join cgroup %s: %s", cgroups[i], strerror(errno));
        close(fd);
    }
    for (int i = 0; i < LIMIT_COUNT; i++) {
        if (has_limit[i] && setrlimit(LIMITS[i].resource, &limits[i]) != 0)
            fail(SETUP_FAILED, "setrlimit %s=%llu:%llu: %s", LIMITS[i].name, (unsigned long long)limits[i].rlim_cur,
                 (unsigned long long)limits[i].rlim_max, strerror(errno));
    }
    if (directory && chdir(directory) != 0) fail(SETUP_FAILED, "cannot enter %s: %s", directory, strerror(errno));
    if (user) {
        struct passwd *entry = getpwnam(user);
        if (!entry) fail(SETUP_FAILED, "no user named %s", user);
        uid_t uid = entry->pw_uid;
        gid_t gid = entry->pw_gid;
        if (initgroups(user, gid) != 0) fail(SETUP_FAILED, "initgroups %s: %s", user, strerror(errno));
        if (setgid(gid) != 0) fail(SETUP_FAILED, "setgid %u: %s", (unsigned)gid, strerror(errno));
        if (setuid(uid) != 0) fail(SETUP_FAILED, "setuid %u: %s", (unsigned)uid, strerror(errno));
        if (uid != 0 && setuid(0) == 0) fail(SETUP_FAILED, "could regain root after dropping to %s", user);
    }
    close_inherited();

    // Only now does anything of the job's take effect: execvp searches this PATH and passes `environ`.
    if (environment) environ = environment;
    execvp(command[0], command);
    int code = errno;
    fail(code == ENOENT ? NOT_FOUND : NOT_EXECUTABLE, "cannot run %s: %s", command[0], strerror(code));
}
