import Foundation
import KJobCore

/// Percentiles of a sample, in the unit it was recorded in.
struct BenchStats {
    let sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    /// Nearest-rank percentile (p in 0...100).
    func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    var mean: Double { sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count) }

    /// `{"n", "mean", "p50", "p99", "max"}` with `unit` appended to each key (e.g. `p50_ms`).
    func summary(unit: String) -> [String: Any] {
        [
            "n": sorted.count, "mean_\(unit)": mean, "p50_\(unit)": percentile(50), "p99_\(unit)": percentile(99),
            "max_\(unit)": sorted.last ?? 0
        ]
    }
}

enum BenchJSON {
    static func print(_ object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

extension Duration {
    /// Fractional milliseconds, for figures (KJobCore's `milliseconds` rounds to whole ones).
    var fractionalMilliseconds: Double { timeInterval * 1000 }
}
