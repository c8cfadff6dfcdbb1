import Foundation
import GRDB
import RolloverCore

/// The embedded store: one SQLite file in the data folder, WAL mode (GRDB's `DatabasePool`), so readers never
/// wait for the writer. Each method is one transaction.
public final class SQLiteStore: Store {
    let pool: DatabasePool

    public init(path: String) throws {
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

    // MARK: Private keys

    public func insertPrivateKey(_ key: SealedPrivateKey, actor: AuditActor) async throws -> Int64 {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO private_keys (public_key_sha256, algorithm, purpose, sealed, master_key_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [key.publicKeySHA256, key.algorithm, key.purpose, Data(key.sealed), key.masterKeyID, Self.now])
            let id = db.lastInsertedRowID
            try Self.audit(db, actor, "private-key.create", "private-key", id, "\(key.algorithm) for \(key.purpose)")
            return id
        }
    }

    public func privateKey(id: Int64) async throws -> SealedPrivateKey? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM private_keys WHERE id = ?", arguments: [id]).map(Self.sealedKey)
        }
    }

    public func privateKeyID(publicKeySHA256: String) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM private_keys WHERE public_key_sha256 = ?", arguments: [publicKeySHA256])
        }
    }

    public func allPrivateKeys() async throws -> [Int64: SealedPrivateKey] {
        try await pool.read { db in
            var keys: [Int64: SealedPrivateKey] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM private_keys") { keys[row["id"]] = Self.sealedKey(row) }
            return keys
        }
    }

    public func replacePrivateKeys(_ keys: [Int64: SealedPrivateKey], actor: AuditActor) async throws {
        try await write { db in
            let existing = try Int.fetchOne(db, sql: "SELECT count(*) FROM private_keys") ?? 0
            guard existing == keys.count else {
                throw StoreError(.conflict, "keys were added or removed during the rotation; run it again")
            }
            for (id, key) in keys {
                try db.execute(sql: "UPDATE private_keys SET sealed = ?, master_key_id = ? WHERE id = ?",
                               arguments: [Data(key.sealed), key.masterKeyID, id])
            }
            let master = keys.values.first?.masterKeyID ?? "-"
            try Self.audit(db, actor, "master-key.rotate", nil, nil, "\(keys.count) keys re-sealed under master key \(master)")
        }
    }

    public func deletePrivateKey(id: Int64, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM private_keys WHERE id = ?", arguments: [id])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no private key \(id)") }
            try Self.audit(db, actor, "private-key.delete", "private-key", id, nil)
        }
    }

    // MARK: Certificates

    public func insertCertificate(_ certificate: StoredCertificate, actor: AuditActor) async throws -> Int64 {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO certificates (sha256, der, chain_pem, subject, not_before, not_after, state, source,
                  private_key_id, host_name, created_at, from_signing_request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    certificate.sha256, Data(certificate.der), certificate.chainPEM, certificate.subject,
                    Self.seconds(certificate.notBefore), Self.seconds(certificate.notAfter), certificate.state.rawValue,
                    certificate.source.rawValue, certificate.privateKeyID, certificate.hostName, Self.now,
                    certificate.fromSigningRequest ? 1 : 0,
                ])
            let id = db.lastInsertedRowID
            try Self.audit(db, actor, "certificate.add", "certificate", id, "\(certificate.source.rawValue) \(certificate.subject) \(certificate.sha256)")
            return id
        }
    }

    public func certificates(in state: CertificateState?) async throws -> [StoredCertificate] {
        try await pool.read { db in
            let rows = try state.map { try Row.fetchAll(db, sql: "SELECT * FROM certificates WHERE state = ? ORDER BY id", arguments: [$0.rawValue]) }
                ?? Row.fetchAll(db, sql: "SELECT * FROM certificates ORDER BY id")
            return try rows.map(Self.certificate)
        }
    }

    public func setCertificateState(id: Int64, to state: CertificateState, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE certificates SET state = ? WHERE id = ?", arguments: [state.rawValue, id])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no certificate \(id)") }
            try Self.audit(db, actor, "certificate.state", "certificate", id, state.rawValue)
        }
    }

    public func activateCertificate(id: Int64, actor: AuditActor) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT host_name, state, source FROM certificates WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no certificate \(id)")
            }
            guard ["staged", "reserve"].contains(row["state"] as String), (row["source"] as String) != "authority" else {
                throw StoreError(.conflict, "certificate \(id) is \(row["state"] as String); only a staged or reserve certificate can be activated")
            }
            let host: String? = row["host_name"]
            try db.execute(sql: """
                UPDATE certificates SET state = 'retired'
                WHERE state = 'active' AND source != 'authority' AND host_name IS ?
                """, arguments: [host])
            try db.execute(sql: "UPDATE certificates SET state = 'active' WHERE id = ?", arguments: [id])
            try Self.audit(db, actor, "certificate.activate", "certificate", id, host ?? "default")
        }
    }

    // MARK: Signing requests

    public func insertSigningRequest(_ request: StoredSigningRequest, actor: AuditActor) async throws -> Int64 {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO signing_requests (private_key_id, subject, addresses, pem, created_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [request.privateKeyID, request.subject, request.addresses.joined(separator: "\n"), request.pem,
                                 Self.seconds(request.createdAt)])
            let id = db.lastInsertedRowID
            try Self.audit(db, actor, "signing-request.create", "signing-request", id, request.subject)
            return id
        }
    }

    public func signingRequests() async throws -> [StoredSigningRequest] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM signing_requests ORDER BY id").map { row in
                StoredSigningRequest(
                    id: row["id"], privateKeyID: row["private_key_id"], subject: row["subject"],
                    addresses: (row["addresses"] as String).split(separator: "\n").map(String.init), pem: row["pem"],
                    createdAt: Self.date(row["created_at"]))
            }
        }
    }

    public func deleteSigningRequest(id: Int64, actor: AuditActor) async throws {
        try await write { db in
            guard let keyID = try Int64.fetchOne(db, sql: "SELECT private_key_id FROM signing_requests WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no signing request \(id)")
            }
            try db.execute(sql: "DELETE FROM signing_requests WHERE id = ?", arguments: [id])
            // The pending key goes with its request unless a certificate already uses it.
            try db.execute(sql: """
                DELETE FROM private_keys WHERE id = ? AND NOT EXISTS (SELECT 1 FROM certificates WHERE private_key_id = ?)
                """, arguments: [keyID, keyID])
            try Self.audit(db, actor, "signing-request.delete", "signing-request", id, nil)
        }
    }

    // MARK: Devices, rollovers, deliveries

    public func deviceCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM devices") ?? 0 }
    }

    public func insertDevices(_ devices: [NewDevice], actor: AuditActor) async throws -> [Int64] {
        try await write { db in
            let statement = try db.cachedStatement(sql: "INSERT INTO devices (name, platform, token_sha256, enrolled_at) VALUES (?, ?, ?, ?)")
            var ids: [Int64] = []
            ids.reserveCapacity(devices.count)
            for device in devices {
                try statement.execute(arguments: [device.name, device.platform.rawValue, device.tokenSHA256, Self.seconds(device.enrolledAt)])
                ids.append(db.lastInsertedRowID)
            }
            try Self.audit(db, actor, "device.enroll", "device", ids.first, "\(devices.count) device(s)")
            return ids
        }
    }

    public func insertRollover(certificateID: Int64, preset: String, at date: Date, actor: AuditActor) async throws -> Int64 {
        try await write { db in
            let at = Self.seconds(date)
            try db.execute(sql: "INSERT INTO rollovers (certificate_id, preset, created_at) VALUES (?, ?, ?)", arguments: [certificateID, preset, at])
            let id = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO deliveries (rollover_id, device_id, state, updated_at) SELECT ?, id, 0, ? FROM devices",
                           arguments: [id, at])
            let pending = db.changesCount
            for state in DeliveryState.allCases {
                try db.execute(sql: "INSERT INTO delivery_counts (rollover_id, state, count) VALUES (?, ?, ?)",
                               arguments: [id, state.rawValue, state == .pending ? pending : 0])
            }
            try Self.audit(db, actor, "rollover.create", "rollover", id, "\(preset) for certificate \(certificateID)")
            return id
        }
    }

    public func recordSyncs(_ reports: [SyncReport]) async throws {
        try await write { db in
            let seen = try db.cachedStatement(sql: "UPDATE devices SET last_seen_at = ?, agent_version = ? WHERE id = ?")
            let current = try db.cachedStatement(sql: "SELECT state FROM deliveries WHERE rollover_id = ? AND device_id = ?")
            let update = try db.cachedStatement(sql: "UPDATE deliveries SET state = ?, reason = ?, updated_at = ? WHERE rollover_id = ? AND device_id = ?")
            var deltas = DeliveryCountDeltas()
            for report in reports {
                let at = Self.seconds(report.seenAt)
                try seen.execute(arguments: [at, report.agentVersion, report.deviceID])
                for delivery in report.deliveries {
                    guard let old = try Int.fetchOne(current, arguments: [delivery.rolloverID, report.deviceID]),
                        old != delivery.state.rawValue || delivery.reason != nil
                    else { continue }
                    try update.execute(arguments: [delivery.state.rawValue, delivery.reason, at, delivery.rolloverID, report.deviceID])
                    deltas.move(rolloverID: delivery.rolloverID, from: old, to: delivery.state.rawValue)
                }
            }
            let adjust = try db.cachedStatement(sql: "UPDATE delivery_counts SET count = count + ? WHERE rollover_id = ? AND state = ?")
            for (key, change) in deltas.changes where change != 0 {
                try adjust.execute(arguments: [change, key.rolloverID, key.state])
            }
        }
    }

    public func deliveryCounts(rolloverID: Int64) async throws -> [DeliveryState: Int] {
        try await pool.read { db in
            var counts: [DeliveryState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count FROM delivery_counts WHERE rollover_id = ?", arguments: [rolloverID]) {
                if let state = DeliveryState(rawValue: row["state"]) { counts[state] = row["count"] }
            }
            return counts
        }
    }

    public func deliveryPage(rolloverID: Int64, state: DeliveryState?, afterDeviceID: Int64?, limit: Int) async throws -> [DeliveryRow] {
        try await pool.read { db in
            let filter = state == nil ? "" : "AND d.state = ?"
            var arguments: StatementArguments = [rolloverID]
            if let state { arguments += [state.rawValue] }
            arguments += [afterDeviceID ?? 0, limit]
            return try Row.fetchAll(db, sql: """
                SELECT d.device_id, v.name, v.platform, v.last_seen_at, d.state, d.reason
                FROM deliveries d JOIN devices v ON v.id = d.device_id
                WHERE d.rollover_id = ? \(filter) AND d.device_id > ? ORDER BY d.device_id LIMIT ?
                """, arguments: arguments).map { row in
                DeliveryRow(
                    deviceID: row["device_id"], deviceName: row["name"], platform: DevicePlatform(rawValue: row["platform"]) ?? .linux,
                    lastSeenAt: (row["last_seen_at"] as Int64?).map(Self.date), state: DeliveryState(rawValue: row["state"]) ?? .pending,
                    reason: row["reason"])
            }
        }
    }

    // MARK: Settings, tokens, audit

    public func setSetting(_ key: String, to value: String, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
            try Self.audit(db, actor, "setting.change", "setting", nil, "\(key) = \(value)")
        }
    }

    public func setting(_ key: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key]) }
    }

    public func insertAdminToken(name: String, tokenSHA256: String, actor: AuditActor) async throws -> Int64 {
        try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM admin_tokens WHERE name = ?", arguments: [name]) == 0 else {
                throw StoreError(.conflict, "an admin token named \"\(name)\" exists already")
            }
            try db.execute(sql: "INSERT INTO admin_tokens (name, token_sha256, created_at) VALUES (?, ?, ?)", arguments: [name, tokenSHA256, Self.now])
            let id = db.lastInsertedRowID
            try Self.audit(db, actor, "admin-token.create", "admin-token", id, name)
            return id
        }
    }

    public func adminToken(tokenSHA256: String) async throws -> AdminTokenRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM admin_tokens WHERE token_sha256 = ?", arguments: [tokenSHA256]).map { row in
                AdminTokenRecord(id: row["id"], name: row["name"], tokenSHA256: row["token_sha256"], createdAt: Self.date(row["created_at"]),
                                 revokedAt: (row["revoked_at"] as Int64?).map(Self.date))
            }
        }
    }

    public func revokeAdminToken(name: String, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE admin_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [Self.now, name])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no active admin token named \"\(name)\"") }
            try Self.audit(db, actor, "admin-token.revoke", "admin-token", nil, name)
        }
    }

    public func adminTokens() async throws -> [AdminTokenRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM admin_tokens ORDER BY id").map { row in
                AdminTokenRecord(id: row["id"], name: row["name"], tokenSHA256: row["token_sha256"], createdAt: Self.date(row["created_at"]),
                                 revokedAt: (row["revoked_at"] as Int64?).map(Self.date))
            }
        }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                AuditEntry(id: row["id"], at: Self.date(row["at"]), actor: row["actor"], action: row["action"],
                           subjectKind: row["subject_kind"], subjectID: row["subject_id"], detail: row["detail"])
            }
        }
    }

    // MARK: Helpers

    /// One write transaction; a unique violation becomes a `StoreError` conflict naming the column, not the value.
    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError(.conflict, "that already exists (\(error.message ?? "unique constraint"))")
        }
    }

    private static func audit(_ db: Database, _ actor: AuditActor, _ action: String, _ kind: String?, _ id: Int64?, _ detail: String?) throws {
        try db.execute(sql: "INSERT INTO audit_log (at, actor, action, subject_kind, subject_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [now, actor.name, action, kind, id, detail])
    }

    private static func sealedKey(_ row: Row) -> SealedPrivateKey {
        SealedPrivateKey(publicKeySHA256: row["public_key_sha256"], algorithm: row["algorithm"], purpose: row["purpose"],
                         sealed: Array(row["sealed"] as Data), masterKeyID: row["master_key_id"])
    }

    private static func certificate(_ row: Row) throws -> StoredCertificate {
        StoredCertificate(
            id: row["id"], sha256: row["sha256"], der: Array(row["der"] as Data), chainPEM: row["chain_pem"], subject: row["subject"],
            notBefore: date(row["not_before"]), notAfter: date(row["not_after"]),
            state: CertificateState(rawValue: row["state"]) ?? .staged, source: CertificateSource(rawValue: row["source"]) ?? .imported,
            privateKeyID: row["private_key_id"], hostName: row["host_name"], fromSigningRequest: (row["from_signing_request"] as Int) != 0)
    }

    static var now: Int64 { seconds(Date()) }
    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
}
