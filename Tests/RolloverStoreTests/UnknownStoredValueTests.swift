import Foundation
import GRDB
import PostgresNIO
import RolloverCore
import Testing
@testable import RolloverStore

extension StoreConformanceTests {
    /// A value this version does not know in an enum column (a newer version wrote it, a migration went wrong) is
    /// an error naming the table, the column, the row and the value, on SQLite and PostgreSQL: never a default, so
    /// an unknown rollover state is not read as `open` and activated by the next tick.
    @Suite("Unknown stored values")
    struct UnknownStoredValueTests {
        let admin = AuditActor("alice")
        let start = Date(timeIntervalSince1970: 1_700_000_000)

        /// Runs one statement on the store's own database behind its back, past the schema's CHECK constraints, as a
        /// newer version whose schema allows more values would have written it before a downgrade.
        func execute(_ sql: String, on store: any Store) async throws {
            if let sqlite = store as? SQLiteStore {
                try await sqlite.pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
                    defer { try? db.execute(sql: "PRAGMA ignore_check_constraints = OFF") }
                    try db.execute(sql: sql)
                }
            } else if let postgres = store as? PostgresStore {
                try await postgres.client.query(PostgresQuery(unsafeSQL: sql), logger: postgres.testLogger)
            }
        }

        /// PostgreSQL has no switch for CHECK constraints: the newer schema is one without them.
        func dropCheckConstraints(_ store: any Store) async throws {
            guard let postgres = store as? PostgresStore else { return }
            try await postgres.client.query(PostgresQuery(unsafeSQL: """
                DO $$ DECLARE c record; BEGIN
                  FOR c IN SELECT conname, conrelid::regclass AS t FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace LOOP
                    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname);
                  END LOOP;
                END $$
                """), logger: postgres.testLogger)
        }

        @Test("each enum column holding an unknown value is an error with its table, column, row and value, and reading it changes nothing",
              arguments: StoreKind.allCases)
        func unknownValuesAreErrors(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let certificate = try await store.insertCertificate(
                StoredCertificate(sha256: String(repeating: "c", count: 64), der: [0x30, 0x03, 0x02, 0x01, 0x01], chainPEM: "", subject: "CN=c",
                                  notBefore: start, notAfter: start.addingTimeInterval(90 * 86_400), state: .staged, source: .imported, privateKeyID: nil),
                actor: admin)
            let artifact = TrustArtifactRecord(sha256: String(repeating: "a", count: 64), der: [0x30, 0x03, 0x02, 0x01, 0x02], subject: "CN=root",
                                               notAfter: start.addingTimeInterval(365 * 86_400), role: .anchor, addedAt: start)
            let rollover = try await store.insertRollover(NewRollover(certificateID: certificate, preset: "distribute-first", createdAt: start,
                                                                      checkAt: start, deadline: start), artifacts: [artifact], actor: admin)
            let device = try #require(try await store.insertDevices(
                [NewDevice(name: "d", platform: .linux, tokenSHA256: String(repeating: "d", count: 64), enrolledAt: start)],
                deliveryState: .pending, actor: admin).first)
            _ = try await store.insertAlert(LifecycleAlert(key: "k", severity: .warning, code: "test", message: "m"), at: start)
            let artifactID = try #require(try await store.trustArtifacts(includeWithdrawn: true).first?.id)
            let alertID = try #require(try await store.alerts(limit: 1).first?.id)
            try await dropCheckConstraints(store)

            let cases: [(table: String, column: String, row: Int64?, corrupt: String, restore: String, read: () async throws -> Void)] = [
                ("rollovers", "state", rollover, "UPDATE rollovers SET state = 'paused' WHERE id = \(rollover)",
                 "UPDATE rollovers SET state = 'open' WHERE id = \(rollover)", { _ = try await store.rollovers() }),
                ("certificates", "state", certificate, "UPDATE certificates SET state = 'revoked' WHERE id = \(certificate)",
                 "UPDATE certificates SET state = 'staged' WHERE id = \(certificate)", { _ = try await store.certificates(in: nil) }),
                ("certificates", "source", certificate, "UPDATE certificates SET source = 'acme' WHERE id = \(certificate)",
                 "UPDATE certificates SET source = 'imported' WHERE id = \(certificate)", { _ = try await store.certificate(id: certificate) }),
                ("devices", "platform", device, "UPDATE devices SET platform = 'plan9' WHERE id = \(device)",
                 "UPDATE devices SET platform = 'linux' WHERE id = \(device)", { _ = try await store.device(id: device) }),
                ("deliveries", "state", nil, "UPDATE deliveries SET state = 99 WHERE device_id = \(device)",
                 "UPDATE deliveries SET state = 0 WHERE device_id = \(device)", { _ = try await store.deviceDeliveries(deviceID: device) }),
                ("trust_artifacts", "role", artifactID, "UPDATE trust_artifacts SET role = 'sidekick' WHERE id = \(artifactID)",
                 "UPDATE trust_artifacts SET role = 'anchor' WHERE id = \(artifactID)", { _ = try await store.trustArtifacts(includeWithdrawn: true) }),
                ("alerts", "severity", alertID, "UPDATE alerts SET severity = 'catastrophic' WHERE id = \(alertID)",
                 "UPDATE alerts SET severity = 'warning' WHERE id = \(alertID)", { _ = try await store.alerts(limit: 10) }),
            ]
            for check in cases {
                try await execute(check.corrupt, on: store)
                let error = await #expect(throws: StoreError.self, "\(check.table).\(check.column)") { try await check.read() }
                #expect(error?.code == .corrupt && error?.specificCode == "unknown-stored-value")
                let place = check.row.map { "\(check.table).\(check.column) of row \($0)" } ?? "\(check.table).\(check.column)"
                #expect(error?.description.hasPrefix(place) == true, "\(String(describing: error))")
                try await execute(check.restore, on: store)
                try await check.read()
            }
            #expect(try await store.rollover(id: rollover)?.state == .open, "reading the unknown state changed nothing")
            try await store.close()
        }
    }
}
