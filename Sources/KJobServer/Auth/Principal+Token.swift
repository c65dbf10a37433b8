import Foundation
import KJobStore

extension Principal {
    /// The caller a stored token stands for, for the API and the console alike; a revoked or
    /// expired token, or one with an unknown role, is refused (401) with what to do.
    init(token record: TokenRecord, now: Date = Date()) throws(Problem) {
        guard record.revokedAt == nil else { throw Problem.unauthorized("token \"\(record.name)\" was revoked") }
        if let expiresAt = record.expiresAt, expiresAt <= now {
            throw Problem.unauthorized("token \"\(record.name)\" expired at \(APIJSON.timestamp(expiresAt)); ask an admin for a new one")
        }
        guard let role = Role(rawValue: record.role) else { throw Problem.unauthorized("token has an unknown role") }
        self.init(tokenName: record.name, role: role, tenant: record.tenant)
    }
}
