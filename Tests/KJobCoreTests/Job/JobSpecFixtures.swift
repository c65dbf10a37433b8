import Foundation
import KJobCore

/// Builds job files for tests: the four required keys (override or drop them) plus extra lines.
enum JobSpecFixtures {
    static func toml(
        slug: String? = "\"s\"",
        prompt: String? = "\"p\"",
        agent: String? = "\"demo\"",
        schedule: String? = "\"0 9 * * MON\"",
        _ extra: String = ""
    ) -> String {
        var lines = ["[job]"]
        if let slug { lines.append("slug = \(slug)") }
        if let prompt { lines.append("prompt = \(prompt)") }
        if let agent { lines.append("agent = \(agent)") }
        if let schedule { lines.append("schedule = \(schedule)") }
        if !extra.isEmpty { lines.append(extra) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The errors of a file expected to be rejected (empty if it was accepted).
    static func errors(_ toml: String) -> [FieldError] {
        do {
            _ = try JobSpec(toml: toml)
            return []
        } catch {
            return error.errors
        }
    }

    static func errors(_ bytes: [UInt8]) -> [FieldError] {
        do {
            _ = try JobSpec(tomlBytes: bytes)
            return []
        } catch {
            return error.errors
        }
    }

    /// The repository root, found from this file's path.
    static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }
}
