import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

/// The store for several server nodes: PostgreSQL through PostgresNIO's pooled client. Each method is one
/// transaction; batches go through `unnest` arrays so a sync batch is a few statements, not one per row.
public final class PostgresStore: Store {
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger = Logger(label: "rollover.store.postgres")
    /// What "now" is for every time the store stamps itself.
    let time: TimeSource

    /// `postgres://user[:password]@host[:port]/database`; TLS is off (loopback or a trusted network).
    public init(url: String, time: TimeSource = .system) throws {
        self.time = time
        let endpoint = try Self.endpoint(url)
        let configuration = PostgresClient.Configuration(
            host: endpoint.host, port: endpoint.port, username: endpoint.user, password: endpoint.password, database: endpoint.database, tls: .disable)
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "rollover.store.postgres"))
        self.client = client
        runner = Task { await client.run() }
    }

    public func close() async throws { runner.cancel() }

    /// The parts of a `postgres://user[:password]@host[:port]/database` URL.
    static func endpoint(_ url: String) throws -> (host: String, port: Int, user: String, password: String?, database: String?) {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, let user = components.user
        else { throw StoreError(.invalid, "\(url) is not a postgres://user@host:port/database URL") }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return (host, components.port ?? 5432, user, components.password, database.isEmpty ? nil : database)
    }

    public func migrate() async throws {
        try await transaction { connection in
            try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)", logger: self.logger)
            // One node migrates at a time; the others wait here and then find nothing to do.
            try await connection.query("SELECT pg_advisory_xact_lock(7270001)", logger: self.logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: self.logger).decode(Int.self) {
                applied.insert(version)
            }
            for migration in StoreSchema.migrations(.postgres) where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query("INSERT INTO schema_migrations (version) VALUES (\(migration.version))", logger: self.logger)
            }
        }
    }
}
