import GRDB
import PostgresNIO

/// Whether a failure means the database cannot be reached or written just now (PostgreSQL down or its
/// connection lost; SQLite's disk full, an I/O error, a read-only or locked file), as opposed to a fault in a
/// request. The server answers those 503 `store-unavailable` at once, so a client retries instead of reporting
/// an internal error.
public enum StoreAvailability {
    public static func isUnavailable(_ error: any Error) -> Bool {
        if let failure = error as? PostgresTransactionError {
            return [failure.closureError, failure.commitError, failure.beginError, failure.rollbackError].contains { $0.map(isUnavailable) ?? false }
        }
        if let psql = error as? PSQLError {
            return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed].contains(psql.code)
                || psql.serverInfo?[.sqlState].map { $0.hasPrefix("08") || $0.hasPrefix("53") || $0.hasPrefix("57P") } == true
        }
        // The pool's own error (no connection could be made for a while) lives in PostgresNIO's underscored
        // `_ConnectionPoolModule`, which is not a stable API to import; its type name is enough here.
        if String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError") { return true }
        if let database = error as? DatabaseError {
            return [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_NOMEM]
                .contains(database.resultCode)
        }
        return false
    }
}
