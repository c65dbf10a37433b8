import ArgumentParser
import Foundation
import KJobCore

/// Wall time of a real command (e.g. the `kjob` CLI binary), spawned `--count` times one after
/// another with stdout on /dev/null: what an operator waits for, process start included.
struct CommandBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "command", abstract: "Wall time of a command, N runs.")

    @Option(help: "Runs (after 3 warm-up runs).") var count = 100
    @Argument(parsing: .captureForPassthrough, help: "Program (absolute path) and arguments.") var argv: [String]

    func run() throws {
        guard let program = argv.first, program.hasPrefix("/") else { throw ValidationError("give the program as an absolute path") }
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let clock = ContinuousClock()
        var times: [Double] = []
        for index in 0..<(count + 3) {
            let began = clock.now
            let status = try PosixSpawn.run(argv, environment: environment)
            let elapsed = (clock.now - began).fractionalMilliseconds
            guard status == 0 else { throw ValidationError("\(argv.joined(separator: " ")) exited with wait status \(status)") }
            if index >= 3 { times.append(elapsed) }
        }
        BenchJSON.print(BenchStats(times).summary(unit: "ms"))
    }
}
