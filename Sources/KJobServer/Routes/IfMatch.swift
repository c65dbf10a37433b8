import Hummingbird

/// An `If-Match` precondition (RFC 9110 §13.1.1) on a job's version, whose ETag is `"N"`.
/// Comparison is strong: a weak tag (`W/"3"`) never matches.
struct IfMatch: Sendable, Hashable {
    /// `*`: any current version.
    var any: Bool
    /// The versions listed (tags that are not a version never match).
    var versions: Set<Int64>

    static func etag(_ version: Int64) -> String { "\"\(version)\"" }

    /// Nil when the request has no `If-Match`; 400 when it is not a list of entity tags.
    init?(_ request: Request) throws {
        let values = request.headers[values: .ifMatch]
        guard !values.isEmpty else { return nil }
        any = false
        versions = []
        for raw in values.joined(separator: ",").split(separator: ",", omittingEmptySubsequences: false) {
            let tag = raw.trimmingCharacters(in: .whitespaces)
            if tag == "*" {
                any = true
                continue
            }
            let weak = tag.hasPrefix("W/")
            let quoted = weak ? tag.dropFirst(2) : Substring(tag)
            guard quoted.count >= 2, quoted.first == "\"", quoted.last == "\"",
                !quoted.dropFirst().dropLast().contains(where: { $0 == "\"" || $0.isWhitespace })
            else {
                throw Problem.badRequest(
                    "If-Match must list entity tags such as \"3\" (the job's version in quotes, as its ETag) or be *; got \(tag.prefix(40))",
                    field: "If-Match")
            }
            if !weak, let version = Int64(quoted.dropFirst().dropLast()) { versions.insert(version) }
        }
    }

    func matches(_ version: Int64) -> Bool {
        any || versions.contains(version)
    }

    var description: String {
        any ? "*" : versions.sorted().map(Self.etag).joined(separator: ", ")
    }
}
