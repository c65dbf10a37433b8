import KJobStore
import Synchronization

/// Resolves bearer tokens for ``AuthMiddleware`` so that unknown tokens cannot tie up the database:
/// a token not of the form kjobd issues is refused before any query; every answer (found, revoked,
/// unknown) is cached by hash for `cacheTTL`, so a revoked token is refused within that; and at most
/// `maxLookups` lookups run at once, each waiting at most `lookupWait` for its turn (503 beyond), so a
/// flood holds at most that many of the API's connections.
final class TokenAuthenticator: Sendable {
    struct Settings: Sendable, Hashable {
        var cacheTTL: Duration
        var maxLookups: Int
        var lookupWait: Duration
        /// Entries kept at most; past it the expired ones go, then all of them.
        var maxCached = 4096
    }

    enum Outcome: Sendable, Hashable {
        case found(TokenRecord)
        case unknown
        case malformed
    }

    private struct Entry {
        var record: TokenRecord?
        var expires: ContinuousClock.Instant
    }

    let settings: Settings
    private let tokens: TokensRepository
    private let cache = Mutex<[[UInt8]: Entry]>([:])
    private let lookups: ConcurrencyLimit

    init(tokens: TokensRepository, settings: Settings) {
        self.tokens = tokens
        self.settings = settings
        lookups = ConcurrencyLimit(limit: settings.maxLookups)
    }

    func resolve(_ token: String) async throws -> Outcome {
        guard APIToken.isWellFormed(token) else { return .malformed }
        let hash = APIToken.hash(token)
        if let entry = cached(hash) { return Self.outcome(entry.record) }
        guard await lookups.acquire(within: settings.lookupWait) else {
            throw Problem(
                .serviceUnavailable, code: "busy", title: "Service busy",
                detail: "too many token lookups are waiting on the database on this node; retry in a moment",
                headers: [.retryAfter: "1"])
        }
        defer { lookups.release() }
        // Another request may have looked it up while this one waited.
        if let entry = cached(hash) { return Self.outcome(entry.record) }
        let record = try await tokens.find(hash: hash)
        store(hash, record)
        return Self.outcome(record)
    }

    /// Drops the cached answers for the token named `name` (revoked through this node).
    func forget(name: String) {
        cache.withLock { cache in cache = cache.filter { $0.value.record?.name != name } }
    }

    private static func outcome(_ record: TokenRecord?) -> Outcome {
        record.map { .found($0) } ?? .unknown
    }

    private func cached(_ hash: [UInt8]) -> Entry? {
        let now = ContinuousClock.now
        return cache.withLock { cache in
            guard let entry = cache[hash] else { return nil }
            guard entry.expires > now else {
                cache[hash] = nil
                return nil
            }
            return entry
        }
    }

    private func store(_ hash: [UInt8], _ record: TokenRecord?) {
        let now = ContinuousClock.now
        cache.withLock { cache in
            if cache.count >= settings.maxCached {
                cache = cache.filter { $0.value.expires > now }
                if cache.count >= settings.maxCached { cache.removeAll() }
            }
            cache[hash] = Entry(record: record, expires: now.advanced(by: settings.cacheTTL))
        }
    }
}
