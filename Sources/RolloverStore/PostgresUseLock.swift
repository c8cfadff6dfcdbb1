import Foundation
import Logging
import PostgresNIO

/// For a PostgreSQL store, what the data folder's lock is for a folder, across machines: every process using the
/// store holds a session advisory lock shared, on a connection of its own, for its whole life; a master key rotation
/// takes it alone and is refused with 409 `store-in-use` while a server anywhere uses the store (it holds the old
/// master key and would seal the next key under it). PostgreSQL drops the lock when the connection ends.
public final class PostgresUseLock: Sendable {
    static let key: Int64 = 7_270_004
    private let connection: PostgresConnection
    private let logger = Logger(label: "rollover.store.postgres.lock")

    /// Connects and takes the lock shared, waiting up to `timeout` seconds while a rotation holds it.
    public init(url: String, timeout: Double = 30) async throws {
        let endpoint = try PostgresStore.endpoint(url)
        connection = try await PostgresConnection.connect(
            configuration: .init(host: endpoint.host, port: endpoint.port, username: endpoint.user, password: endpoint.password,
                                 database: endpoint.database, tls: .disable),
            id: 1, logger: logger)
        // A wait, not a time anything is stamped with: the monotonic clock.
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(timeout * 1000)))
        while try await !Self.ask("SELECT pg_try_advisory_lock_shared(\(Self.key))", connection, logger) {
            guard ContinuousClock.now < deadline else {
                throw StoreError(.conflict, "the store is locked by a master key rotation; try again when it is done", specificCode: "store-locked")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Also when the initializer throws after connecting. The connection is kept until it is closed (PostgresNIO
    /// insists), by the completion handler that holds it.
    deinit {
        let connection = connection
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Runs `body` holding the lock alone (this session's own shared hold never conflicts with itself, so it is
    /// refused exactly when another session holds it), and shares it again afterwards.
    public func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        guard try await Self.ask("SELECT pg_try_advisory_lock(\(Self.key))", connection, logger) else {
            throw StoreError(.conflict, """
                another Rollover process uses this PostgreSQL store (a running `rollover serve`, here or on another machine): \
                stop it before rotating the master key, so that nothing seals a key under the old one
                """, specificCode: "store-in-use")
        }
        do {
            let result = try await body()
            _ = try await Self.ask("SELECT pg_advisory_unlock(\(Self.key))", connection, logger)
            return result
        } catch {
            _ = try? await Self.ask("SELECT pg_advisory_unlock(\(Self.key))", connection, logger)
            throw error
        }
    }

    private static func ask(_ query: PostgresQuery, _ connection: PostgresConnection, _ logger: Logger) async throws -> Bool {
        for try await answer in try await connection.query(query, logger: logger).decode(Bool.self) { return answer }
        return false
    }
}
