import ArgumentParser
import Foundation
import RolloverCore
import RolloverService

/// Where Rollover keeps its state: the data folder (SQLite and the master key by default), or PostgreSQL.
struct StoreOptions: ParsableArguments {
    @Option(help: "The data folder: SQLite database, master key, CA files.")
    var data: String = "data"

    @Option(help: "A PostgreSQL URL (postgres://user@host:port/database) instead of SQLite in the data folder.")
    var database: String?

    @Option(help: "Read the master key from this file instead of ROLLOVER_MASTER_KEY or DATA/master.key.")
    var masterKeyFile: String?

    func open() async throws -> ServiceContext {
        let user = ProcessInfo.processInfo.environment["USER"] ?? "local"
        return try await ServiceContext.open(
            dataFolder: data, databaseURL: database, masterKeyFile: masterKeyFile, actor: AuditActor("cli:\(user)"))
    }
}

/// Prints one JSON value, for `--json`.
enum JSONOutput {
    static func print<Value: Encodable>(_ value: Value) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        Swift.print((try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null")
    }
}
