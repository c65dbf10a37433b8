import ArgumentParser

/// `kjob-bench`: the Swift-side measurements of `make bench` (scripts/bench). Each subcommand
/// prints one JSON object on stdout; scripts/bench_figures.py turns them into BENCHMARKS.md.
@main
struct KJobBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kjob-bench",
        abstract: "Measurements behind BENCHMARKS.md (run through `make bench`).",
        subcommands: [CronBench.self, SpawnBench.self, CommandBench.self, HTTPBench.self, SeedJobs.self, RunNowBench.self])
}
