import Foundation
import GRDB
import RolloverCore

/// The embedded store: one SQLite file in the data folder, WAL mode (GRDB's `DatabasePool`), so readers never
/// wait for the writer. Each method is one transaction.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    /// What "now" is for every time the store stamps itself.
    let time: TimeSource

    public init(path: String, time: TimeSource = .system) throws {
        self.time = time
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    public func migrate() async throws {
        var migrator = DatabaseMigrator()
        for migration in StoreSchema.migrations(.sqlite) {
            migrator.registerMigration("v\(migration.version)") { db in
                for statement in migration.statements { try db.execute(sql: statement) }
            }
        }
        try migrator.migrate(pool)
    }

    public func close() async throws { try pool.close() }
}
