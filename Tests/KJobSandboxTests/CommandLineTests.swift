import KJobCore
import Testing

@testable import KJobSandbox

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct CommandLineTests {
    /// The argv contract of the C helper (SpawnHelperTests runs it with these arguments).
    @Test func spawnPlanEncodesAsHelperArguments() {
        let plan = SpawnPlan(
            cgroupProcs: ["/sys/fs/cgroup/unified/kjob/r/cgroup.procs"],
            limits: [.cpu: .init(soft: 60, hard: 61), .nofile: .init(soft: 1024, hard: 1024)],
            directory: "/w/r", user: "kjob-run", command: ["kode", "--", "--print", "x y"])
        #expect(
            plan.arguments == [
                "--cgroup", "/sys/fs/cgroup/unified/kjob/r/cgroup.procs",
                "--rlimit", "cpu=60:61", "--rlimit", "nofile=1024:1024",
                "--chdir", "/w/r", "--user", "kjob-run", "--", "kode", "--", "--print", "x y"
            ])
    }

    @Test func limitsBecomeRlimitsOnlyWhereACgroupDoesNotTakeThem() {
        let limits = ResourceLimits(memoryBytes: 1 << 30, cpuSeconds: 60, openFiles: 256, processes: 64)
        let withCgroup = SpawnPlan.rlimits(for: limits, memoryCgroup: true, unprivilegedUser: false)
        #expect(withCgroup[.addressSpace] == nil)
        #expect(withCgroup[.cpu] == .init(soft: 60, hard: 61))
        #expect(withCgroup[.nofile] == .init(soft: 256, hard: 256))
        #expect(withCgroup[.nproc] == nil)
        let without = SpawnPlan.rlimits(for: limits, memoryCgroup: false, unprivilegedUser: true)
        #expect(without[.addressSpace] == .init(soft: 1 << 30, hard: 1 << 30))
        #expect(without[.nproc] == .init(soft: 64, hard: 64))
        // RLIMIT_NPROC counts the user's processes node-wide; a pids cgroup replaces it.
        #expect(SpawnPlan.rlimits(for: limits, memoryCgroup: false, unprivilegedUser: true, pidsCgroup: true)[.nproc] == nil)
    }

    @Test func jobLimitsOverrideNodeDefaults() {
        let merged = ResourceLimits.defaults.overridden(by: JobSpec.Sandbox(memoryBytes: 64 << 20, pids: 32).limits)
        #expect(merged == ResourceLimits(memoryBytes: 64 << 20, openFiles: 1024, processes: 32))
    }

    @Test func bwrapIsolatesEverythingButTheWorkdir() {
        let argv = BwrapCommand(workdir: "/w/r", network: false).wrapping(["kode", "hi"])
        #expect(
            argv == [
                "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                "--bind", "/w/r", "/w/r", "--chdir", "/w/r", "--unshare-all",
                "--die-with-parent", "--new-session", "--", "kode", "hi"
            ])
        #expect(BwrapCommand(workdir: "/w", network: true).wrapping(["x"]).contains("--share-net"))
    }

    @Test func containerCommandCarriesLimitsAndAnEnvFileButNoValues() {
        let command = ContainerCommand(
            engine: .podman, executable: "/usr/bin/podman", image: "debian:bookworm-slim",
            containerName: "kjob-r1", workdir: "/w/r1", network: false, memoryBytes: 512 << 20,
            cpus: 1.5, pids: 128, user: (999, 995))
        let argv = command.runArgv(command: ["kode", "--print", "p"], envFile: "/w/.kjob-env/r1.env")
        #expect(
            argv == [
                "/usr/bin/podman", "run", "--rm", "--init", "-i=false", "--name", "kjob-r1", "--network", "none",
                "--read-only", "--tmpfs", "/tmp", "-v", "/w/r1:/work", "-w", "/work",
                "--memory", "536870912", "--cpus", "1.5", "--pids-limit", "128", "--user", "999:995",
                "--env-file", "/w/.kjob-env/r1.env",
                "debian:bookworm-slim", "kode", "--print", "p"
            ])
        #expect(command.killArgv(signal: "KILL") == ["/usr/bin/podman", "kill", "--signal", "KILL", "kjob-r1"])
        #expect(command.removeArgv() == ["/usr/bin/podman", "rm", "--force", "kjob-r1"])
    }

    /// Podman gets limits it may set (its defaults need CAP_SYS_RESOURCE): the run's open files, else kjobd's.
    @Test func podmanCarriesTheNodesOwnUlimits() {
        let command = ContainerCommand(
            engine: .podman, executable: "/usr/bin/podman", image: "i", containerName: "kjob-r1",
            workdir: "/w/r1", network: false,
            ulimits: [.init(name: "nofile", soft: 1024, hard: 65536), .init(name: "nproc", soft: 7, hard: 9)])
        let argv = command.runArgv(command: ["x"], envFile: "/e")
        #expect(Array(argv.suffix(8)) == ["--ulimit", "nofile=1024:65536", "--ulimit", "nproc=7:9", "--env-file", "/e", "i", "x"])
        #expect(ContainerCommand.podmanUlimits(openFiles: 1024, pidMax: 4).first == .init(name: "nofile", soft: 1024, hard: 1024))
        var files = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files)
        for limit in ContainerCommand.podmanUlimits(openFiles: nil, pidMax: 4) {
            #expect(limit.soft <= limit.hard)
            if limit.name == "nofile" { #expect(limit.hard == UInt64(files.rlim_max), "kjobd's own") }
            if limit.name == "nproc" { #expect(limit.hard <= 4, "capped at pid_max") }
        }
    }

    /// One NAME=VALUE line per variable; the image keeps its PATH; a prompt the file cannot carry is
    /// left out (the agent has it in argv), any other such value is refused.
    @Test func containerEnvFileCarriesWhatALineCan() throws {
        let file = try ContainerEnvFile([
            "TOKEN": "a b=c ", "PATH": "/job/bin", "HOME": "/w/r1", "KJOB_PROMPT": "one\ntwo",
            "KJOB_RUN_ID": "r1"
        ])
        #expect(file.contents == "HOME=/work\nKJOB_RUN_ID=r1\nTOKEN=a b=c \n")
        #expect(file.omitted == ["KJOB_PROMPT"])
        #expect(try ContainerEnvFile(["KJOB_PROMPT": "one line"]).lines == ["HOME=/work", "KJOB_PROMPT=one line"])
        let long = String(repeating: "x", count: ContainerEnvFile.maxLineBytes)
        #expect(try ContainerEnvFile(["KJOB_PROMPT": long]).omitted == ["KJOB_PROMPT"])
        for bad in [["NOTE": "a\nb"], ["NOTE": "a\rb"], ["NOTE": long], ["BAD NAME": "x"]] {
            let error = #expect(throws: SandboxError.self) { try ContainerEnvFile(bad) }
            #expect(error?.message.contains(bad.keys.first!) == true, "\(error?.message ?? "")")
        }
    }

    /// The command's environment never appears in the helper's argv (world-readable in /proc).
    @Test func spawnPlanHandsTheEnvironmentOverOnADescriptor() throws {
        let plan = SpawnPlan(user: "kjob-run", environment: ["TOKEN=s3cr3t", "PATH=/usr/bin"], command: ["kode"])
        #expect(plan.arguments == ["--user", "kjob-run", "--env-fd", "3", "--", "kode"])
        #expect(try plan.environmentBlock == Array("TOKEN=s3cr3t\0PATH=/usr/bin\0".utf8))
        #expect(try SpawnPlan(command: ["kode"]).environmentBlock == nil)
        #expect(try SpawnPlan(environment: [], command: ["kode"]).environmentBlock == [])
        // A NUL would split one entry into two (LD_PRELOAD smuggled inside a value).
        let smuggled = SpawnPlan(environment: ["NOTE=x\0LD_PRELOAD=/tmp/x.so"], command: ["kode"])
        #expect(throws: SandboxError.self) { try smuggled.environmentBlock }
        #expect(throws: SandboxError.self) { try SpawnPlan(environment: ["=x"], command: ["kode"]).environmentBlock }
    }

    @Test func containerBackendsNeedAnImage() {
        #expect(throws: SandboxError.self) { try JobSpec.Sandbox(backend: .docker).validate() }
        #expect(throws: SandboxError.self) { try JobSpec.Sandbox(backend: .process, pids: 0).validate() }
        #expect(throws: Never.self) { try JobSpec.Sandbox(backend: .docker, image: "alpine").validate() }
    }

    @Test func cgroupLayoutFromProcFiles() {
        let mounts = """
            tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
            cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
            cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0
            cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
            """
        let cgroup = "8:pids:/\n4:memory:/process_api/c681\n1:cpu:/\n0::/\n"
        #expect(
            CgroupLayout.parse(procSelfCgroup: cgroup, mounts: mounts)
                == CgroupLayout(
                    unified: "/sys/fs/cgroup/unified", pids: "/sys/fs/cgroup/pids",
                    memory: "/sys/fs/cgroup/memory/process_api/c681"))
        let pureV2 = CgroupLayout.parse(
            procSelfCgroup: "0::/system.slice/kjobd.service\n",
            mounts: "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n")
        #expect(pureV2 == CgroupLayout(unified: "/sys/fs/cgroup/system.slice/kjobd.service"))
    }

    @Test func procSweepFollowsSessionGroupParentsAndKnownOrphans() throws {
        let stat = "4242 (we ird) name) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 1 1"
        let parsed = try #require(ProcSweep.parseStat(stat))
        #expect(parsed == ProcSweep.Entry(pid: 4242, ppid: 1, pgrp: 4242, session: 4242, startTime: 987654))
        let table: [ProcSweep.Entry] = [
            .init(pid: 100, ppid: 1, pgrp: 100, session: 100, startTime: 1),  // root
            .init(pid: 101, ppid: 100, pgrp: 100, session: 100, startTime: 2),  // child
            .init(pid: 102, ppid: 101, pgrp: 102, session: 102, startTime: 3),  // setsid grandchild
            .init(pid: 103, ppid: 102, pgrp: 102, session: 102, startTime: 4),  // its child
            .init(pid: 200, ppid: 1, pgrp: 200, session: 200, startTime: 5),  // re-parented orphan we saw
            .init(pid: 201, ppid: 1, pgrp: 201, session: 201, startTime: 6),  // a stranger
            .init(pid: 202, ppid: 1, pgrp: 202, session: 202, startTime: 99),  // reused pid of a known one
            .init(pid: 104, ppid: 100, pgrp: 100, session: 100, startTime: 7, zombie: true)
        ]
        let members = ProcSweep.members(of: 100, in: table, known: [200: 5, 202: 8]).map(\.pid)
        #expect(members == [100, 101, 102, 103, 200])
    }
}
