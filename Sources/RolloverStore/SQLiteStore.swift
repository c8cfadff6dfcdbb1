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
            if let current = try String.fetchOne(db, sql: "SELECT master_key_id FROM private_keys WHERE master_key_id <> ? LIMIT 1", arguments: [key.masterKeyID]) {
                throw MasterKeyRefusal.rotated(storeKey: current, processKey: key.masterKeyID)
            }
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
        try await write { db in try Self.activateCertificate(db, id: id, actor: actor) }
    }

    /// Makes a staged or reserve certificate active (its activation time cleared) and retires the active one of the
    /// same host name; shared by `activateCertificate` and `completeRollover`.
    private static func activateCertificate(_ db: Database, id: Int64, actor: AuditActor) throws {
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
        try db.execute(sql: "UPDATE certificates SET state = 'active', activates_at = NULL WHERE id = ?", arguments: [id])
        try audit(db, actor, "certificate.activate", "certificate", id, host ?? "default")
    }

    public func certificate(id: Int64) async throws -> StoredCertificate? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM certificates WHERE id = ?", arguments: [id]).map(Self.certificate) }
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

    // MARK: Enrollment secrets

    public func insertEnrollmentSecret(name: String, secretSHA256: String, expiresAt: Date?, maxUses: Int?, actor: AuditActor) async throws -> Int64 {
        try NameLimit.check(name, what: "an enrollment secret's name")
        return try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM enrollment_secrets WHERE name = ?", arguments: [name]) == 0 else {
                throw StoreError(.conflict, "an enrollment secret named \"\(name)\" exists already")
            }
            try db.execute(sql: "INSERT INTO enrollment_secrets (name, secret_sha256, created_at, expires_at, max_uses) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name, secretSHA256, Self.now, expiresAt.map(Self.seconds), maxUses])
            let id = db.lastInsertedRowID
            try Self.audit(db, actor, "enrollment-secret.create", "enrollment-secret", id, name)
            return id
        }
    }

    public func enrollmentSecret(secretSHA256: String) async throws -> EnrollmentSecretRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(StoreSchema.enrollmentSecretColumns) FROM enrollment_secrets s WHERE s.secret_sha256 = ?",
                             arguments: [secretSHA256]).map(Self.enrollmentSecret)
        }
    }

    public func enrollmentSecrets() async throws -> [EnrollmentSecretRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(StoreSchema.enrollmentSecretColumns) FROM enrollment_secrets s ORDER BY s.id").map(Self.enrollmentSecret)
        }
    }

    public func revokeEnrollmentSecret(name: String, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE enrollment_secrets SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [Self.now, name])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no active enrollment secret named \"\(name)\"") }
            try Self.audit(db, actor, "enrollment-secret.revoke", "enrollment-secret", nil, name)
        }
    }

    // MARK: Devices

    public func deviceCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM devices WHERE retired_at IS NULL") ?? 0 }
    }

    public func devicesEnrolled(since: Date) async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM devices WHERE enrolled_at >= ?", arguments: [Self.seconds(since)]) ?? 0 }
    }

    public func insertDevices(_ devices: [NewDevice], deliveryState: DeliveryState, actor: AuditActor) async throws -> [Int64] {
        for device in devices { try NameLimit.check(device.name, what: "a device name") }
        return try await write { db in
            for (secretID, adding) in EnrollmentSecretUses.wanted(by: devices) {
                guard let row = try Row.fetchOne(db, sql: "SELECT \(StoreSchema.enrollmentSecretColumns) FROM enrollment_secrets s WHERE s.id = ?",
                                                 arguments: [secretID]) else { continue }
                let secret = Self.enrollmentSecret(row)
                try EnrollmentSecretUses.check(secretID: secretID, maxUses: secret.maxUses, used: secret.uses, adding: adding)
            }
            let statement = try db.cachedStatement(sql: """
                INSERT INTO devices (name, platform, token_sha256, enrolled_at, agent_version, enrollment_secret_id) VALUES (?, ?, ?, ?, ?, ?)
                """)
            var ids: [Int64] = []
            ids.reserveCapacity(devices.count)
            for device in devices {
                try statement.execute(arguments: [device.name, device.platform.rawValue, device.tokenSHA256, Self.seconds(device.enrolledAt),
                                                  device.agentVersion, device.enrollmentSecretID])
                ids.append(db.lastInsertedRowID)
            }
            let open = try Int64.fetchAll(db, sql: "SELECT id FROM rollovers WHERE state = 'open'")
            if let first = ids.first, let last = ids.last {
                let attempts = deliveryState == .pending ? 0 : 1
                for rollover in open {
                    try db.execute(sql: """
                        INSERT INTO deliveries (rollover_id, device_id, state, attempts, updated_at)
                        SELECT ?, id, ?, ?, enrolled_at FROM devices WHERE id BETWEEN ? AND ?
                        """, arguments: [rollover, deliveryState.rawValue, attempts, first, last])
                    try db.execute(sql: "UPDATE delivery_counts SET count = count + ? WHERE rollover_id = ? AND state = ?",
                                   arguments: [db.changesCount, rollover, deliveryState.rawValue])
                }
            }
            let names = devices.count == 1 ? devices[0].name : "\(devices.count) devices"
            try Self.audit(db, actor, "device.enroll", "device", ids.first, names)
            return ids
        }
    }

    public func device(id: Int64) async throws -> DeviceRecord? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE id = ?", arguments: [id]).map(Self.device) }
    }

    public func device(tokenSHA256: String) async throws -> DeviceRecord? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE token_sha256 = ?", arguments: [tokenSHA256]).map(Self.device) }
    }

    public func devices(matching filter: DeviceFilter, afterID: Int64?, limit: Int) async throws -> [DeviceRecord] {
        try await pool.read { db in
            let query = DeviceQuery(filter, afterID: afterID, limit: limit, placeholder: { _ in "?" })
            let arguments: [any DatabaseValueConvertible] = query.arguments.map { argument in
                switch argument {
                case .text(let text): text
                case .integer(let number): number
                }
            }
            return try Row.fetchAll(db, sql: query.sql, arguments: StatementArguments(arguments)).map(Self.device)
        }
    }

    public func retireDevice(id: Int64, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE devices SET retired_at = ? WHERE id = ? AND retired_at IS NULL", arguments: [Self.now, id])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no enrolled device \(id)") }
            try Self.audit(db, actor, "device.retire", "device", id, nil)
        }
    }

    public func deviceTrust(deviceID: Int64) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT sha256 FROM device_trust WHERE device_id = ? ORDER BY sha256", arguments: [deviceID])
        }
    }

    public func deviceDeliveries(deviceID: Int64) async throws -> [DeviceDelivery] {
        try await pool.read { db in try Self.deliveries(db, deviceID: deviceID) }
    }

    public func syncState(tokenSHA256: String) async throws -> DeviceSyncState? {
        // One read and cached statements: a sync used to take three reads, each compiling its SQL again.
        try await pool.read { db in
            guard let device = try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM devices WHERE token_sha256 = ?"),
                                                arguments: [tokenSHA256]).map(Self.device)
            else { return nil }
            let held = try String.fetchAll(try db.cachedStatement(sql: "SELECT sha256 FROM device_trust WHERE device_id = ? ORDER BY sha256"),
                                           arguments: [device.id])
            return DeviceSyncState(device: device, deliveries: try Self.deliveries(db, deviceID: device.id), held: held)
        }
    }

    private static func deliveries(_ db: Database, deviceID: Int64) throws -> [DeviceDelivery] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM deliveries WHERE device_id = ? ORDER BY rollover_id DESC"),
                         arguments: [deviceID]).map { row in
            DeviceDelivery(rolloverID: row["rollover_id"], state: DeliveryState(rawValue: row["state"]) ?? .pending, reason: row["reason"],
                           attempts: row["attempts"], updatedAt: date(row["updated_at"]))
        }
    }

    public func unconfirmedDeviceCount(fingerprints: [String], activeSince: Date) async throws -> Int {
        try await pool.read { db in
            let (condition, arguments) = Self.unconfirmed(fingerprints: fingerprints, activeSince: activeSince)
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM devices d WHERE \(condition)", arguments: arguments) ?? 0
        }
    }

    public func unconfirmedDevices(fingerprints: [String], activeSince: Date, limit: Int) async throws -> [DeviceRecord] {
        try await pool.read { db in
            let (condition, arguments) = Self.unconfirmed(fingerprints: fingerprints, activeSince: activeSince)
            return try Row.fetchAll(db, sql: "SELECT d.* FROM devices d WHERE \(condition) ORDER BY d.id LIMIT ?",
                                    arguments: arguments + [limit]).map(Self.device)
        }
    }

    /// Active, unretired devices (`d`) whose trust store holds none of `fingerprints`.
    private static func unconfirmed(fingerprints: [String], activeSince: Date) -> (String, StatementArguments) {
        let marks = Array(repeating: "?", count: max(fingerprints.count, 1)).joined(separator: ", ")
        var arguments: [(any DatabaseValueConvertible)?] = [seconds(activeSince)]
        arguments += fingerprints.isEmpty ? [""] : fingerprints
        return ("""
            d.retired_at IS NULL AND d.last_seen_at >= ?
            AND NOT EXISTS (SELECT 1 FROM device_trust t WHERE t.device_id = d.id AND t.sha256 IN (\(marks)))
            """, StatementArguments(arguments))
    }

    // MARK: Rollovers, trust material, deliveries

    public func insertRollover(_ rollover: NewRollover, artifacts: [TrustArtifactRecord], actor: AuditActor) async throws -> Int64 {
        try await write { db in
            let id = try Self.insertRollover(db, rollover, actor: actor)
            for artifact in artifacts {
                // Already current (standing material, or another rollover's): devices hold it or are getting it.
                guard try Int.fetchOne(db, sql: "SELECT count(*) FROM trust_artifacts WHERE sha256 = ? AND withdrawn_at IS NULL",
                                       arguments: [artifact.sha256]) == 0
                else { continue }
                var tracked = artifact
                tracked.rolloverID = id
                _ = try Self.insertTrustArtifact(db, tracked, actor: actor)
            }
            return id
        }
    }

    /// The rollover row, a pending delivery per unretired device, the counts, and a reserve target's activation time.
    private static func insertRollover(_ db: Database, _ rollover: NewRollover, actor: AuditActor) throws -> Int64 {
        var host = rollover.hostName
        var detail = rollover.preset
        if let target = rollover.certificateID {
            guard let row = try Row.fetchOne(db, sql: "SELECT state, host_name FROM certificates WHERE id = ?", arguments: [target]) else {
                throw StoreError(.notFound, "no certificate \(target)")
            }
            let state: String = row["state"]
            guard ["staged", "reserve"].contains(state) else {
                throw StoreError(.conflict, "certificate \(target) is \(state); only a staged or reserve certificate can be a rollover's target")
            }
            if let open = try Int64.fetchOne(db, sql: "SELECT id FROM rollovers WHERE certificate_id = ? AND state = 'open'", arguments: [target]) {
                throw StoreError(.conflict, "certificate \(target) is the target of rollover \(open) already")
            }
            host = try StoreSchema.rolloverHost(host, certificate: target, serves: row["host_name"])
            detail += " for certificate \(target)"
            if let reserveUntil = rollover.reserveUntil {
                try db.execute(sql: "UPDATE certificates SET state = 'reserve', activates_at = ? WHERE id = ? AND state IN ('staged', 'reserve')",
                               arguments: [seconds(reserveUntil), target])
                guard db.changesCount == 1 else { throw StoreError(.conflict, "certificate \(target) can no longer become a reserve") }
                detail += ", reserve activating \(StoreSchema.iso(reserveUntil))"
            }
        }
        let at = seconds(rollover.createdAt)
        try db.execute(sql: """
            INSERT INTO rollovers (certificate_id, preset, state, created_at, host_name, check_at, deadline_at, addresses)
            VALUES (?, ?, 'open', ?, ?, ?, ?, ?)
            """, arguments: [rollover.certificateID, rollover.preset, at, host, seconds(rollover.checkAt), seconds(rollover.deadline),
                             StoreSchema.joined(addresses: rollover.addresses)])
        let id = db.lastInsertedRowID
        try db.execute(sql: "INSERT INTO deliveries (rollover_id, device_id, state, updated_at) SELECT ?, id, 0, ? FROM devices WHERE retired_at IS NULL",
                       arguments: [id, at])
        let pending = db.changesCount
        for state in DeliveryState.allCases {
            try db.execute(sql: "INSERT INTO delivery_counts (rollover_id, state, count) VALUES (?, ?, ?)",
                           arguments: [id, state.rawValue, state == .pending ? pending : 0])
        }
        try audit(db, actor, "rollover.create", "rollover", id, detail)
        return id
    }

    public func rollovers() async throws -> [RolloverRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(StoreSchema.rolloverColumns) FROM rollovers ORDER BY id").map(Self.rollover)
        }
    }

    public func rollover(id: Int64) async throws -> RolloverRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(StoreSchema.rolloverColumns) FROM rollovers WHERE id = ?", arguments: [id]).map(Self.rollover)
        }
    }

    public func rescheduleRollover(id: Int64, checkAt: Date, extensions: Int, heldAt: Date?, detail: String, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE rollovers SET check_at = ?, extensions = ?, held_at = ? WHERE id = ? AND state = 'open'",
                           arguments: [Self.seconds(checkAt), extensions, heldAt.map(Self.seconds), id])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no open rollover \(id)") }
            try Self.audit(db, actor, heldAt == nil ? "rollover.extend" : "rollover.hold", "rollover", id, detail)
        }
    }

    public func completeRollover(id: Int64, at date: Date, detail: String, actor: AuditActor) async throws {
        try await write { db in
            let target = try Self.openRollover(db, id: id, doing: "activated")
            guard let target else { throw StoreError(.conflict, "rollover \(id) has no target certificate to activate") }
            try Self.activateCertificate(db, id: target, actor: actor)
            try db.execute(sql: "UPDATE rollovers SET state = 'completed', completed_at = ? WHERE id = ?", arguments: [Self.seconds(date), id])
            try Self.audit(db, actor, "rollover.activate", "rollover", id, detail)
        }
    }

    public func cancelRollover(id: Int64, at date: Date, actor: AuditActor) async throws {
        try await write { db in
            let target = try Self.openRollover(db, id: id, doing: "cancelled")
            let at = Self.seconds(date)
            try db.execute(sql: "UPDATE rollovers SET state = 'cancelled', completed_at = ? WHERE id = ?", arguments: [at, id])
            var detail: [String] = []
            if let target {
                try db.execute(sql: "UPDATE certificates SET state = 'cancelled', activates_at = NULL WHERE id = ? AND state IN ('staged', 'reserve')",
                               arguments: [target])
                if db.changesCount == 1 { detail.append("certificate \(target) cancelled") }
            }
            try db.execute(sql: "UPDATE trust_artifacts SET withdrawn_at = ? WHERE rollover_id = ? AND withdrawn_at IS NULL", arguments: [at, id])
            detail.append("\(db.changesCount) trust artifact(s) withdrawn")
            try Self.audit(db, actor, "rollover.cancel", "rollover", id, detail.joined(separator: ", "))
        }
    }

    /// The target of an open rollover; `notFound` when there is no such rollover, `conflict` when it is not open.
    private static func openRollover(_ db: Database, id: Int64, doing: String) throws -> Int64? {
        guard let row = try Row.fetchOne(db, sql: "SELECT state, certificate_id FROM rollovers WHERE id = ?", arguments: [id]) else {
            throw StoreError(.notFound, "no rollover \(id)")
        }
        let state: String = row["state"]
        guard state == "open" else { throw StoreError(.conflict, "rollover \(id) is \(state); only an open rollover can be \(doing)") }
        return row["certificate_id"]
    }

    public func readiness(rolloverID: Int64, activeSince: Date) async throws -> Readiness {
        try await pool.read { db in
            let since = Self.seconds(activeSince)
            let active = try Int.fetchOne(db, sql: "SELECT count(*) FROM devices WHERE retired_at IS NULL AND last_seen_at >= ?",
                                          arguments: [since]) ?? 0
            // Not installed, from the kept counts, less the retired devices' (few, by their partial index)...
            let notInstalled = try Int.fetchOne(db, sql: "SELECT coalesce(sum(count), 0) FROM delivery_counts WHERE rollover_id = ? AND state IN \(StoreSchema.notInstalled)",
                                                arguments: [rolloverID]) ?? 0
            // CROSS JOIN keeps the device side first and `<>` keeps the delivery lookup on its primary key: with
            // `state IN (...)` the planner probes the state index once per state and device.
            let retired = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM devices d INDEXED BY devices_retired CROSS JOIN deliveries x ON x.rollover_id = ? AND x.device_id = d.id
                WHERE d.retired_at IS NOT NULL AND x.state <> \(DeliveryState.installed.rawValue)
                """, arguments: [rolloverID]) ?? 0
            // ...and the stragglers found from the inactive devices, usually a minority, each joined by primary key.
            // Joining every not-installed delivery to its device instead cost 96 ms of 146 at 1,000,000 devices.
            let stragglers = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM devices d CROSS JOIN deliveries x ON x.rollover_id = ? AND x.device_id = d.id
                WHERE d.retired_at IS NULL AND (d.last_seen_at < ? OR d.last_seen_at IS NULL) AND x.state <> \(DeliveryState.installed.rawValue)
                """, arguments: [rolloverID, since]) ?? 0
            let unconfirmed = notInstalled - retired - stragglers
            return Readiness(activeDevices: active, confirmed: active - unconfirmed, stragglers: stragglers)
        }
    }

    public func insertTrustArtifact(_ artifact: TrustArtifactRecord, tracked: Bool, actor: AuditActor) async throws -> TrustArtifactRecord {
        try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM trust_artifacts WHERE sha256 = ? AND withdrawn_at IS NULL",
                                   arguments: [artifact.sha256]) == 0
            else { throw StoreError(.conflict, "that certificate is in the trust material already") }
            var stored = artifact
            if tracked {
                stored.rolloverID = try Self.insertRollover(db, NewRollover(certificateID: nil, preset: "trust", createdAt: artifact.addedAt,
                                                                            checkAt: artifact.addedAt, deadline: artifact.addedAt), actor: actor)
            }
            return try Self.insertTrustArtifact(db, stored, actor: actor)
        }
    }

    private static func insertTrustArtifact(_ db: Database, _ artifact: TrustArtifactRecord, actor: AuditActor) throws -> TrustArtifactRecord {
        var stored = artifact
        try db.execute(sql: """
            INSERT INTO trust_artifacts (sha256, der, subject, not_after, role, rollover_id, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [stored.sha256, Data(stored.der), stored.subject, seconds(stored.notAfter), stored.role.rawValue,
                             stored.rolloverID, seconds(stored.addedAt)])
        stored.id = db.lastInsertedRowID
        stored.withdrawnAt = nil
        try audit(db, actor, "trust.add", "trust-artifact", stored.id, "\(stored.role.rawValue) \(stored.subject) sha256 \(stored.sha256)")
        return stored
    }

    public func trustArtifacts(includeWithdrawn: Bool) async throws -> [TrustArtifactRecord] {
        try await pool.read { db in
            let filter = includeWithdrawn ? "" : "WHERE withdrawn_at IS NULL"
            return try Row.fetchAll(db, sql: "SELECT * FROM trust_artifacts \(filter) ORDER BY id").map { row in
                TrustArtifactRecord(id: row["id"], sha256: row["sha256"], der: Array(row["der"] as Data), subject: row["subject"],
                                    notAfter: Self.date(row["not_after"]), role: TrustRole(rawValue: row["role"]) ?? .anchor,
                                    rolloverID: row["rollover_id"], addedAt: Self.date(row["added_at"]),
                                    withdrawnAt: (row["withdrawn_at"] as Int64?).map(Self.date))
            }
        }
    }

    public func withdrawTrustArtifact(sha256: String, at date: Date, actor: AuditActor) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, rollover_id FROM trust_artifacts WHERE sha256 = ? AND withdrawn_at IS NULL",
                                             arguments: [sha256])
            else { throw StoreError(.notFound, "no certificate with SHA-256 \(sha256) in the trust material") }
            try db.execute(sql: "UPDATE trust_artifacts SET withdrawn_at = ? WHERE id = ?", arguments: [Self.seconds(date), row["id"] as Int64])
            if let rollover = row["rollover_id"] as Int64? {
                try db.execute(sql: "UPDATE rollovers SET state = 'cancelled', completed_at = ? WHERE id = ? AND state = 'open'",
                               arguments: [Self.seconds(date), rollover])
            }
            try Self.audit(db, actor, "trust.withdraw", "trust-artifact", row["id"], "sha256 \(sha256)")
        }
    }

    public func recordSyncs(_ reports: [SyncReport]) async throws {
        try await write { db in
            let seen = try db.cachedStatement(sql: "UPDATE devices SET last_seen_at = ?, agent_version = ?, platform = coalesce(?, platform) WHERE id = ?")
            let forget = try db.cachedStatement(sql: "DELETE FROM device_trust WHERE device_id = ?")
            let hold = try db.cachedStatement(sql: "INSERT OR IGNORE INTO device_trust (device_id, sha256) VALUES (?, ?)")
            let current = try db.cachedStatement(sql: "SELECT state FROM deliveries WHERE rollover_id = ? AND device_id = ?")
            let update = try db.cachedStatement(sql: """
                UPDATE deliveries SET state = ?, reason = ?, attempts = attempts + ?, updated_at = ? WHERE rollover_id = ? AND device_id = ?
                """)
            var deltas = DeliveryCountDeltas()
            for report in reports {
                let at = Self.seconds(report.seenAt)
                try seen.execute(arguments: [at, report.agentVersion, report.platform?.rawValue, report.deviceID])
                if let held = report.held {
                    try forget.execute(arguments: [report.deviceID])
                    for fingerprint in held { try hold.execute(arguments: [report.deviceID, fingerprint]) }
                }
                for delivery in report.deliveries {
                    guard let old = try Int.fetchOne(current, arguments: [delivery.rolloverID, report.deviceID]),
                        old != delivery.state.rawValue || delivery.reason != nil || delivery.attempted
                    else { continue }
                    try update.execute(arguments: [delivery.state.rawValue, delivery.reason, delivery.attempted ? 1 : 0, at,
                                                   delivery.rolloverID, report.deviceID])
                    deltas.move(rolloverID: delivery.rolloverID, from: old, to: delivery.state.rawValue)
                }
            }
            let adjust = try db.cachedStatement(sql: "UPDATE delivery_counts SET count = count + ? WHERE rollover_id = ? AND state = ?")
            for (key, change) in deltas.changes where change != 0 {
                try adjust.execute(arguments: [change, key.rolloverID, key.state])
            }
        }
    }

    public func retryFailedDeliveries(rolloverID: Int64?, deviceID: Int64?, at date: Date, actor: AuditActor) async throws -> Int {
        try await write { db in
            var conditions = ["state = \(DeliveryState.failed.rawValue)"]
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let rolloverID { conditions.append("rollover_id = ?"); arguments.append(rolloverID) }
            if let deviceID { conditions.append("device_id = ?"); arguments.append(deviceID) }
            let filter = conditions.joined(separator: " AND ")
            let moved = try Row.fetchAll(db, sql: "SELECT rollover_id, count(*) AS n FROM deliveries WHERE \(filter) GROUP BY rollover_id",
                                         arguments: StatementArguments(arguments))
            try db.execute(sql: "UPDATE deliveries SET state = \(DeliveryState.retrying.rawValue), attempts = attempts + 1, updated_at = ? WHERE \(filter)",
                           arguments: StatementArguments([Self.seconds(date)] + arguments))
            var total = 0
            for row in moved {
                let (rollover, count): (Int64, Int) = (row["rollover_id"], row["n"])
                total += count
                try db.execute(sql: "UPDATE delivery_counts SET count = count - ? WHERE rollover_id = ? AND state = ?",
                               arguments: [count, rollover, DeliveryState.failed.rawValue])
                try db.execute(sql: "UPDATE delivery_counts SET count = count + ? WHERE rollover_id = ? AND state = ?",
                               arguments: [count, rollover, DeliveryState.retrying.rawValue])
            }
            let scope = [rolloverID.map { "rollover \($0)" }, deviceID.map { "device \($0)" }].compactMap { $0 }.joined(separator: ", ")
            try Self.audit(db, actor, "delivery.retry", deviceID == nil ? "rollover" : "device", deviceID ?? rolloverID,
                           "\(total) failed deliveries (\(scope.isEmpty ? "all" : scope))")
            return total
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

    public func deliveryPage(rolloverID: Int64, filter: DeliveryFilter, afterDeviceID: Int64?, limit: Int) async throws -> [DeliveryRow] {
        try await pool.read { db in
            var conditions = ["d.rollover_id = ?"]
            var arguments: [(any DatabaseValueConvertible)?] = [rolloverID]
            if let state = filter.state { conditions.append("d.state = ?"); arguments.append(state.rawValue) }
            if let platform = filter.platform { conditions.append("v.platform = ?"); arguments.append(platform.rawValue) }
            if let before = filter.seenBefore {
                conditions.append("(v.last_seen_at IS NULL OR v.last_seen_at < ?)")
                arguments.append(Self.seconds(before))
            }
            if let after = filter.seenAfter { conditions.append("v.last_seen_at >= ?"); arguments.append(Self.seconds(after)) }
            // The keyset bound on both sides of the join, so neither scan starts from the first device.
            conditions.append("d.device_id > ? AND v.id > ?")
            arguments += [afterDeviceID ?? 0, afterDeviceID ?? 0, limit]
            return try Row.fetchAll(db, sql: """
                SELECT d.device_id, v.name, v.platform, v.last_seen_at, d.state, d.reason, d.attempts, d.updated_at
                FROM deliveries d JOIN devices v ON v.id = d.device_id
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY d.device_id LIMIT ?
                """, arguments: StatementArguments(arguments)).map { row in
                DeliveryRow(
                    deviceID: row["device_id"], deviceName: row["name"], platform: DevicePlatform(rawValue: row["platform"]) ?? .linux,
                    lastSeenAt: (row["last_seen_at"] as Int64?).map(Self.date), state: DeliveryState(rawValue: row["state"]) ?? .pending,
                    reason: row["reason"], attempts: row["attempts"], updatedAt: Self.date(row["updated_at"]))
            }
        }
    }

    // MARK: Alerts

    public func insertAlert(_ alert: LifecycleAlert, at date: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO alerts (key, at, severity, code, message, certificate_id, rollover_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO NOTHING
                """, arguments: [alert.key, Self.seconds(date), alert.severity.rawValue, alert.code, alert.message, alert.certificateID,
                                 alert.rolloverID])
            return db.changesCount == 1
        }
    }

    public func alerts(limit: Int) async throws -> [AlertRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alerts ORDER BY at DESC, id DESC LIMIT ?", arguments: [limit]).map { row in
                AlertRecord(id: row["id"], at: Self.date(row["at"]), alert: LifecycleAlert(
                    key: row["key"], severity: LifecycleAlert.Severity(rawValue: row["severity"]) ?? .info, code: row["code"],
                    message: row["message"], certificateID: row["certificate_id"], rolloverID: row["rollover_id"]))
            }
        }
    }

    public func alertKeys() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT key FROM alerts")) }
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

    public func settings() async throws -> [String: String] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM settings").map { ($0["key"] as String, $0["value"] as String) })
        }
    }

    public func insertAdminToken(name: String, tokenSHA256: String, actor: AuditActor) async throws -> Int64 {
        try NameLimit.check(name, what: "an admin token's name")
        return try await write { db in
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
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM admin_tokens WHERE revoked_at IS NULL") ?? 0 > 0 else {
                throw AdminTokenRefusal.lastToken(name)   // thrown inside the transaction: the revocation is rolled back
            }
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

    public func auditLog(limit: Int, before: Int64?) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?", arguments: [before ?? Int64.max, limit]).map(Self.auditEntry)
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

    public func confirmationTimeline(rolloverID: Int64, bucketSeconds: Int) async throws -> [(start: Date, count: Int)] {
        let bucket = max(bucketSeconds, 1)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT updated_at / ? AS bucket, count(*) AS n FROM deliveries WHERE rollover_id = ? AND state = ? GROUP BY bucket ORDER BY bucket
                """, arguments: [bucket, rolloverID, DeliveryState.installed.rawValue]).map { row in
                (start: Self.date((row["bucket"] as Int64) * Int64(bucket)), count: row["n"] as Int)
            }
        }
    }

    public func auditHistory(subjectKind: String, subjectID: Int64, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE subject_kind = ? AND subject_id = ? ORDER BY id DESC LIMIT ?",
                             arguments: [subjectKind, subjectID, limit]).map(Self.auditEntry)
        }
    }

    private static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(id: row["id"], at: date(row["at"]), actor: row["actor"], action: row["action"], subjectKind: row["subject_kind"],
                   subjectID: row["subject_id"], detail: row["detail"])
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

    private static func rollover(_ row: Row) -> RolloverRecord {
        RolloverRecord(
            id: row["id"], certificateID: row["certificate_id"], preset: row["preset"],
            state: RolloverRecord.State(rawValue: row["state"]) ?? .open, createdAt: date(row["created_at"]), hostName: row["host_name"],
            checkAt: date(row["check_at"]), deadline: date(row["deadline_at"]), extensions: row["extensions"],
            heldAt: (row["held_at"] as Int64?).map(date), completedAt: (row["completed_at"] as Int64?).map(date),
            addresses: StoreSchema.addresses(row["addresses"]))
    }

    private static func enrollmentSecret(_ row: Row) -> EnrollmentSecretRecord {
        EnrollmentSecretRecord(id: row["id"], name: row["name"], secretSHA256: row["secret_sha256"], createdAt: date(row["created_at"]),
                               expiresAt: (row["expires_at"] as Int64?).map(date), revokedAt: (row["revoked_at"] as Int64?).map(date),
                               maxUses: row["max_uses"], uses: row["uses"])
    }

    private static func device(_ row: Row) -> DeviceRecord {
        DeviceRecord(id: row["id"], name: row["name"], platform: DevicePlatform(rawValue: row["platform"]) ?? .linux,
                     tokenSHA256: row["token_sha256"], agentVersion: row["agent_version"], enrolledAt: date(row["enrolled_at"]),
                     lastSeenAt: (row["last_seen_at"] as Int64?).map(date), retiredAt: (row["retired_at"] as Int64?).map(date))
    }

    static var now: Int64 { seconds(Date()) }
    /// Whole seconds since 1970, clamped to `Int64` (a date far outside it, or NaN, must not trap a write).
    static func seconds(_ date: Date) -> Int64 {
        let value = date.timeIntervalSince1970.rounded(.down)
        if value.isNaN { return 0 }
        return value >= 9.2e18 ? .max : value <= -9.2e18 ? .min : Int64(value)
    }
    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
}
