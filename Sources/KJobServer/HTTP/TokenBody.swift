import Foundation
import KJobStore

/// An API token as `GET /v1/tokens` lists it: never the token or its hash. `token` is set only in
/// the answer to its creation (shown once).
struct TokenBody: Encodable {
    var record: TokenRecord
    var token: String?

    enum CodingKeys: String, CodingKey {
        case name, role, tenant, token
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.name, forKey: .name)
        try c.encode(record.role, forKey: .role)
        try c.encode(record.tenant, forKey: .tenant)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.lastUsedAt, forKey: .lastUsedAt)
        try c.encode(record.expiresAt, forKey: .expiresAt)
        try c.encode(record.revokedAt, forKey: .revokedAt)
        if let token { try c.encode(token, forKey: .token) }
    }
}

/// `GET /v1/tokens`.
public struct TokenListBody: Encodable {
    var tokens: [TokenBody]

    /// The API's JSON for `records` (`kjobd token list --json` prints the same).
    public static func json(_ records: [TokenRecord]) throws -> String {
        String(decoding: try APIJSON.encoder.encode(TokenListBody(tokens: records.map { TokenBody(record: $0) })), as: UTF8.self)
    }
}
