import Foundation
import PostgresNIO

/// Sorts errors for callers that retry a write until it commits.
public enum DatabaseFailure {
    /// True for an error no retry can fix: Postgres refusing the statement's data or shape
    /// (SQLSTATE class 22 data exception, 23 integrity constraint, 42 syntax or access rule), or a
    /// value that cannot be encoded or decoded. Connection errors, deadlines, serialization
    /// failures, deadlocks and server shutdowns are transient.
    public static func isPermanent(_ error: any Error) -> Bool {
        switch error {
        case let error as PSQLError:
            guard let state = error.serverInfo?[.sqlState] else { return false }
            return ["22", "23", "42"].contains(state.prefix(2))
        case is PostgresDecodingError, is EncodingError, is DecodingError:
            return true
        default:
            return false
        }
    }
}
