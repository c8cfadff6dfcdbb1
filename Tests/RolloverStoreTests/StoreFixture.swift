import Foundation
import PostgresNIO
import Testing
@testable import RolloverStore

/// The stores every conformance test runs against. PostgreSQL is the server `scripts/with-postgres` starts
/// (`ROLLOVER_TEST_POSTGRES_URL`): missing, it fails the run under `CI=true` and is a plain skip elsewhere.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["ROLLOVER_TEST_POSTGRES_URL"]

    /// A fresh, migrated store, or nil (after recording why) when this kind cannot run here.
    func open(in folder: URL) async throws -> (any Store)? {
        switch self {
        case .sqlite:
            let store = try SQLiteStore(path: folder.appendingPathComponent("rollover.sqlite").path)
            try await store.migrate()
            return store
        case .postgres:
            guard let url = Self.postgresURL else {
                if ProcessInfo.processInfo.environment["CI"] == "true" {
                    Issue.record("ROLLOVER_TEST_POSTGRES_URL is not set: CI must run the tests through scripts/with-postgres")
                } else {
                    print("skipped: PostgreSQL tests need ROLLOVER_TEST_POSTGRES_URL (run them with scripts/with-postgres)")
                }
                return nil
            }
            let store = try PostgresStore(url: url)
            // Each test starts from an empty database; the suite is serialized so tests never share it at once.
            try await store.client.query("DROP SCHEMA public CASCADE", logger: store.testLogger)
            try await store.client.query("CREATE SCHEMA public", logger: store.testLogger)
            try await store.migrate()
            return store
        }
    }
}

extension PostgresStore {
    var testLogger: Logger { Logger(label: "rollover.store.tests") }
}

/// A temporary folder, removed when the test ends.
final class TemporaryFolder: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rollover-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
