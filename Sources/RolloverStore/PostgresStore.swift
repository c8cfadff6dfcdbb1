import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

/// The store for several server nodes: PostgreSQL through PostgresNIO's pooled client. Each method is one
/// transaction; batches go through `unnest` arrays so a sync batch is a few statements, not one per row.
public final class PostgresStore: Store {
    let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger = Logger(label: "rollover.store.postgres")

    /// `postgres://user[:password]@host[:port]/database`; TLS is off (loopback or a trusted network).
    public init(url: String) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, let user = components.user
        else { throw StoreError(.invalid, "\(url) is not a postgres://user@host:port/database URL") }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: .disable)
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "rollover.store.postgres"))
        self.client = client
        runner = Task { await client.run() }
    }

    public func close() async throws { runner.cancel() }

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

    // MARK: Private keys

    public func insertPrivateKey(_ key: SealedPrivateKey, actor: AuditActor) async throws -> Int64 {
        try await transaction { connection in
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO private_keys (public_key_sha256, algorithm, purpose, sealed, master_key_id, created_at)
                VALUES (\(key.publicKeySHA256), \(key.algorithm), \(key.purpose), \(ByteBuffer(bytes: key.sealed)), \(key.masterKeyID), \(Self.now))
                RETURNING id
                """)
            try await self.audit(connection, actor, "private-key.create", "private-key", id, "\(key.algorithm) for \(key.purpose)")
            return id
        }
    }

    public func privateKey(id: Int64) async throws -> SealedPrivateKey? {
        let found = try await rows("SELECT * FROM private_keys WHERE id = \(id)")
        return try found.first.map(Self.sealedKey)
    }

    public func privateKeyID(publicKeySHA256: String) async throws -> Int64? {
        let found = try await rows("SELECT id FROM private_keys WHERE public_key_sha256 = \(publicKeySHA256)")
        return try found.first?.decode(Int64.self)
    }

    public func allPrivateKeys() async throws -> [Int64: SealedPrivateKey] {
        var keys: [Int64: SealedPrivateKey] = [:]
        for row in try await rows("SELECT * FROM private_keys") {
            keys[try row.makeRandomAccess()["id"].decode(Int64.self)] = try Self.sealedKey(row)
        }
        return keys
    }

    public func replacePrivateKeys(_ keys: [Int64: SealedPrivateKey], actor: AuditActor) async throws {
        try await transaction { connection in
            let existing = try await self.single(Int64.self, connection, "SELECT count(*) FROM private_keys")
            guard existing == keys.count else { throw StoreError(.conflict, "keys were added or removed during the rotation; run it again") }
            for (id, key) in keys {
                try await connection.query(
                    "UPDATE private_keys SET sealed = \(ByteBuffer(bytes: key.sealed)), master_key_id = \(key.masterKeyID) WHERE id = \(id)",
                    logger: self.logger)
            }
            let master = keys.values.first?.masterKeyID ?? "-"
            try await self.audit(connection, actor, "master-key.rotate", nil, nil, "\(keys.count) keys re-sealed under master key \(master)")
        }
    }

    public func deletePrivateKey(id: Int64, actor: AuditActor) async throws {
        try await transaction { connection in
            let deleted = try await self.collect(connection, "DELETE FROM private_keys WHERE id = \(id) RETURNING id")
            guard deleted.count == 1 else { throw StoreError(.notFound, "no private key \(id)") }
            try await self.audit(connection, actor, "private-key.delete", "private-key", id, nil)
        }
    }

    // MARK: Certificates

    public func insertCertificate(_ certificate: StoredCertificate, actor: AuditActor) async throws -> Int64 {
        try await transaction { connection in
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO certificates (sha256, der, chain_pem, subject, not_before, not_after, state, source, private_key_id,
                  host_name, created_at, from_signing_request)
                VALUES (\(certificate.sha256), \(ByteBuffer(bytes: certificate.der)), \(certificate.chainPEM), \(certificate.subject),
                  \(Self.seconds(certificate.notBefore)), \(Self.seconds(certificate.notAfter)), \(certificate.state.rawValue),
                  \(certificate.source.rawValue), \(certificate.privateKeyID), \(certificate.hostName), \(Self.now),
                  \(Int32(certificate.fromSigningRequest ? 1 : 0)))
                RETURNING id
                """)
            try await self.audit(connection, actor, "certificate.add", "certificate", id,
                                 "\(certificate.source.rawValue) \(certificate.subject) \(certificate.sha256)")
            return id
        }
    }

    public func certificates(in state: CertificateState?) async throws -> [StoredCertificate] {
        let found = if let state {
            try await rows("SELECT * FROM certificates WHERE state = \(state.rawValue) ORDER BY id")
        } else {
            try await rows("SELECT * FROM certificates ORDER BY id")
        }
        return try found.map { row in
            let row = row.makeRandomAccess()
            return StoredCertificate(
                id: try row["id"].decode(Int64.self), sha256: try row["sha256"].decode(String.self),
                der: Array(buffer: try row["der"].decode(ByteBuffer.self)), chainPEM: try row["chain_pem"].decode(String.self),
                subject: try row["subject"].decode(String.self), notBefore: Self.date(try row["not_before"].decode(Int64.self)),
                notAfter: Self.date(try row["not_after"].decode(Int64.self)),
                state: CertificateState(rawValue: try row["state"].decode(String.self)) ?? .staged,
                source: CertificateSource(rawValue: try row["source"].decode(String.self)) ?? .imported,
                privateKeyID: try row["private_key_id"].decode(Int64?.self), hostName: try row["host_name"].decode(String?.self),
                fromSigningRequest: try row["from_signing_request"].decode(Int32.self) != 0)
        }
    }

    public func setCertificateState(id: Int64, to state: CertificateState, actor: AuditActor) async throws {
        try await transaction { connection in
            let updated = try await self.collect(connection, "UPDATE certificates SET state = \(state.rawValue) WHERE id = \(id) RETURNING id")
            guard updated.count == 1 else { throw StoreError(.notFound, "no certificate \(id)") }
            try await self.audit(connection, actor, "certificate.state", "certificate", id, state.rawValue)
        }
    }

    public func activateCertificate(id: Int64, actor: AuditActor) async throws {
        try await transaction { connection in
            let found = try await self.collect(connection, "SELECT host_name, state, source FROM certificates WHERE id = \(id) FOR UPDATE")
            guard let row = found.first else { throw StoreError(.notFound, "no certificate \(id)") }
            let (host, state, source) = try row.decode((String?, String, String).self)
            guard ["staged", "reserve"].contains(state), source != "authority" else {
                throw StoreError(.conflict, "certificate \(id) is \(state); only a staged or reserve certificate can be activated")
            }
            try await connection.query("""
                UPDATE certificates SET state = 'retired'
                WHERE state = 'active' AND source != 'authority' AND host_name IS NOT DISTINCT FROM \(host)
                """, logger: self.logger)
            try await connection.query("UPDATE certificates SET state = 'active' WHERE id = \(id)", logger: self.logger)
            try await self.audit(connection, actor, "certificate.activate", "certificate", id, host ?? "default")
        }
    }

    // MARK: Signing requests

    public func insertSigningRequest(_ request: StoredSigningRequest, actor: AuditActor) async throws -> Int64 {
        try await transaction { connection in
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO signing_requests (private_key_id, subject, addresses, pem, created_at)
                VALUES (\(request.privateKeyID), \(request.subject), \(request.addresses.joined(separator: "\n")), \(request.pem),
                  \(Self.seconds(request.createdAt)))
                RETURNING id
                """)
            try await self.audit(connection, actor, "signing-request.create", "signing-request", id, request.subject)
            return id
        }
    }

    public func signingRequests() async throws -> [StoredSigningRequest] {
        try await rows("SELECT * FROM signing_requests ORDER BY id").map { row in
            let row = row.makeRandomAccess()
            return StoredSigningRequest(
                id: try row["id"].decode(Int64.self), privateKeyID: try row["private_key_id"].decode(Int64.self),
                subject: try row["subject"].decode(String.self),
                addresses: try row["addresses"].decode(String.self).split(separator: "\n").map(String.init),
                pem: try row["pem"].decode(String.self), createdAt: Self.date(try row["created_at"].decode(Int64.self)))
        }
    }

    public func deleteSigningRequest(id: Int64, actor: AuditActor) async throws {
        try await transaction { connection in
            let deleted = try await self.collect(connection, "DELETE FROM signing_requests WHERE id = \(id) RETURNING private_key_id")
            guard let keyID = try deleted.first?.decode(Int64.self) else {
                throw StoreError(.notFound, "no signing request \(id)")
            }
            try await connection.query("""
                DELETE FROM private_keys WHERE id = \(keyID) AND NOT EXISTS (SELECT 1 FROM certificates WHERE private_key_id = \(keyID))
                """, logger: self.logger)
            try await self.audit(connection, actor, "signing-request.delete", "signing-request", id, nil)
        }
    }

    // MARK: Devices, rollovers, deliveries

    public func deviceCount() async throws -> Int {
        let found = try await rows("SELECT count(*) FROM devices")
        return Int(try found.first?.decode(Int64.self) ?? 0)
    }

    public func insertDevices(_ devices: [NewDevice], actor: AuditActor) async throws -> [Int64] {
        try await transaction { connection in
            let rows = try await self.collect(connection, """
                INSERT INTO devices (name, platform, token_sha256, enrolled_at)
                SELECT name, platform, token, at FROM unnest(\(devices.map(\.name)), \(devices.map(\.platform.rawValue)),
                  \(devices.map(\.tokenSHA256)), \(devices.map { Self.seconds($0.enrolledAt) })) WITH ORDINALITY AS u(name, platform, token, at, n)
                ORDER BY n RETURNING id
                """)
            // Identity values are handed out in insertion order within the statement.
            let ids = try rows.map { try $0.decode(Int64.self) }.sorted()
            try await self.audit(connection, actor, "device.enroll", "device", ids.first, "\(devices.count) device(s)")
            return ids
        }
    }

    public func insertRollover(certificateID: Int64, preset: String, at date: Date, actor: AuditActor) async throws -> Int64 {
        try await transaction { connection in
            let at = Self.seconds(date)
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO rollovers (certificate_id, preset, created_at) VALUES (\(certificateID), \(preset), \(at)) RETURNING id
                """)
            try await connection.query("INSERT INTO deliveries (rollover_id, device_id, state, updated_at) SELECT \(id), id, 0, \(at) FROM devices",
                                       logger: self.logger)
            try await connection.query("""
                INSERT INTO delivery_counts (rollover_id, state, count)
                SELECT \(id), s, CASE WHEN s = 0 THEN (SELECT count(*) FROM deliveries WHERE rollover_id = \(id)) ELSE 0 END
                FROM unnest(\(DeliveryState.allCases.map(\.rawValue))) AS s
                """, logger: self.logger)
            try await self.audit(connection, actor, "rollover.create", "rollover", id, "\(preset) for certificate \(certificateID)")
            return id
        }
    }

    public func recordSyncs(_ reports: [SyncReport]) async throws {
        guard !reports.isEmpty else { return }
        // The last word of a device in a batch wins, as it would written one by one.
        var latest: [DeliveryKey: (SyncReport.DeliveryUpdate, Int64)] = [:]
        for report in reports {
            for delivery in report.deliveries {
                latest[DeliveryKey(rolloverID: delivery.rolloverID, deviceID: report.deviceID)] = (delivery, Self.seconds(report.seenAt))
            }
        }
        let updates = Array(latest)
        try await transaction { connection in
            try await connection.query("""
                UPDATE devices SET last_seen_at = u.at, agent_version = u.version
                FROM unnest(\(reports.map(\.deviceID)), \(reports.map { Self.seconds($0.seenAt) }), \(reports.map(\.agentVersion))) AS u(id, at, version)
                WHERE devices.id = u.id
                """, logger: self.logger)
            guard !updates.isEmpty else { return }
            // Every part of one statement sees the table as it was before it: `old` holds the states being replaced.
            let moved = try await self.collect(connection, """
                WITH u AS (SELECT * FROM unnest(\(updates.map(\.key.rolloverID)), \(updates.map(\.key.deviceID)),
                    \(updates.map { $0.value.0.state.rawValue }), \(updates.map { $0.value.0.reason ?? "" }), \(updates.map(\.value.1)))
                    AS u(rollover_id, device_id, state, reason, at)),
                  old AS (SELECT d.rollover_id, d.device_id, d.state AS old_state FROM deliveries d
                    JOIN u ON d.rollover_id = u.rollover_id AND d.device_id = u.device_id),
                  changed AS (UPDATE deliveries d SET state = u.state, reason = NULLIF(u.reason, ''), updated_at = u.at FROM u
                    WHERE d.rollover_id = u.rollover_id AND d.device_id = u.device_id RETURNING d.rollover_id, d.device_id, d.state)
                SELECT old.rollover_id, old.old_state, changed.state FROM old
                  JOIN changed ON old.rollover_id = changed.rollover_id AND old.device_id = changed.device_id
                """)
            var deltas = DeliveryCountDeltas()
            for row in moved {
                let (rolloverID, old, new) = try row.decode((Int64, Int, Int).self)
                deltas.move(rolloverID: rolloverID, from: old, to: new)
            }
            let changes = deltas.changes.filter { $0.value != 0 }
            guard !changes.isEmpty else { return }
            try await connection.query("""
                UPDATE delivery_counts c SET count = c.count + u.change
                FROM unnest(\(changes.map(\.key.rolloverID)), \(changes.map(\.key.state)), \(changes.map { Int64($0.value) })) AS u(rollover_id, state, change)
                WHERE c.rollover_id = u.rollover_id AND c.state = u.state
                """, logger: self.logger)
        }
    }

    public func deliveryCounts(rolloverID: Int64) async throws -> [DeliveryState: Int] {
        var counts: [DeliveryState: Int] = [:]
        for row in try await rows("SELECT state, count FROM delivery_counts WHERE rollover_id = \(rolloverID)") {
            let (state, count) = try row.decode((Int, Int64).self)
            if let state = DeliveryState(rawValue: state) { counts[state] = Int(count) }
        }
        return counts
    }

    public func deliveryPage(rolloverID: Int64, state: DeliveryState?, afterDeviceID: Int64?, limit: Int) async throws -> [DeliveryRow] {
        let after = afterDeviceID ?? 0
        let query: PostgresQuery = state.map { state in
            """
            SELECT d.device_id, v.name, v.platform, v.last_seen_at, d.state, d.reason FROM deliveries d JOIN devices v ON v.id = d.device_id
            WHERE d.rollover_id = \(rolloverID) AND d.state = \(state.rawValue) AND d.device_id > \(after) ORDER BY d.device_id LIMIT \(limit)
            """
        } ?? """
            SELECT d.device_id, v.name, v.platform, v.last_seen_at, d.state, d.reason FROM deliveries d JOIN devices v ON v.id = d.device_id
            WHERE d.rollover_id = \(rolloverID) AND d.device_id > \(after) ORDER BY d.device_id LIMIT \(limit)
            """
        return try await rows(query).map { row in
            let (id, name, platform, seen, state, reason) = try row.decode((Int64, String, String, Int64?, Int, String?).self)
            return DeliveryRow(deviceID: id, deviceName: name, platform: DevicePlatform(rawValue: platform) ?? .linux,
                               lastSeenAt: seen.map(Self.date), state: DeliveryState(rawValue: state) ?? .pending, reason: reason)
        }
    }

    // MARK: Settings, tokens, audit

    public func setSetting(_ key: String, to value: String, actor: AuditActor) async throws {
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO settings (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: self.logger)
            try await self.audit(connection, actor, "setting.change", "setting", nil, "\(key) = \(value)")
        }
    }

    public func setting(_ key: String) async throws -> String? {
        let found = try await rows("SELECT value FROM settings WHERE key = \(key)")
        return try found.first?.decode(String.self)
    }

    public func insertAdminToken(name: String, tokenSHA256: String, actor: AuditActor) async throws -> Int64 {
        try await transaction { connection in
            let taken = try await self.single(Int64.self, connection, "SELECT count(*) FROM admin_tokens WHERE name = \(name)")
            guard taken == 0 else { throw StoreError(.conflict, "an admin token named \"\(name)\" exists already") }
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO admin_tokens (name, token_sha256, created_at) VALUES (\(name), \(tokenSHA256), \(Self.now)) RETURNING id
                """)
            try await self.audit(connection, actor, "admin-token.create", "admin-token", id, name)
            return id
        }
    }

    public func adminToken(tokenSHA256: String) async throws -> AdminTokenRecord? {
        let found = try await rows("SELECT id, name, token_sha256, created_at, revoked_at FROM admin_tokens WHERE token_sha256 = \(tokenSHA256)")
        return try found.first.map { row in
            let (id, name, hash, created, revoked) = try row.decode((Int64, String, String, Int64, Int64?).self)
            return AdminTokenRecord(id: id, name: name, tokenSHA256: hash, createdAt: Self.date(created), revokedAt: revoked.map(Self.date))
        }
    }

    public func revokeAdminToken(name: String, actor: AuditActor) async throws {
        try await transaction { connection in
            let revoked = try await self.collect(connection, """
                UPDATE admin_tokens SET revoked_at = \(Self.now) WHERE name = \(name) AND revoked_at IS NULL RETURNING id
                """)
            guard revoked.count == 1 else { throw StoreError(.notFound, "no active admin token named \"\(name)\"") }
            try await self.audit(connection, actor, "admin-token.revoke", "admin-token", nil, name)
        }
    }

    public func adminTokens() async throws -> [AdminTokenRecord] {
        try await rows("SELECT id, name, token_sha256, created_at, revoked_at FROM admin_tokens ORDER BY id").map { row in
            let (id, name, hash, created, revoked) = try row.decode((Int64, String, String, Int64, Int64?).self)
            return AdminTokenRecord(id: id, name: name, tokenSHA256: hash, createdAt: Self.date(created), revokedAt: revoked.map(Self.date))
        }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        try await rows("SELECT id, at, actor, action, subject_kind, subject_id, detail FROM audit_log ORDER BY id DESC LIMIT \(limit)").map { row in
            let (id, at, actor, action, kind, subject, detail) = try row.decode((Int64, Int64, String, String, String?, Int64?, String?).self)
            return AuditEntry(id: id, at: Self.date(at), actor: actor, action: action, subjectKind: kind, subjectID: subject, detail: detail)
        }
    }

    // MARK: Helpers

    private struct DeliveryKey: Hashable {
        var rolloverID: Int64
        var deviceID: Int64
    }

    /// Runs `body` in a transaction and reports failures as `StoreError` where they have a meaning for callers.
    private func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let failure as PostgresTransactionError {
            throw Self.meaning(of: failure.closureError ?? failure.commitError ?? failure.beginError ?? failure)
        }
    }

    /// A unique violation is a conflict; only the constraint's name is kept, since the detail quotes the values.
    private static func meaning(of error: any Error) -> any Error {
        if let psql = error as? PSQLError, psql.serverInfo?[.sqlState] == "23505" {
            return StoreError(.conflict, "that already exists (\(psql.serverInfo?[.constraintName] ?? "unique constraint"))")
        }
        return error
    }

    private func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await client.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    private func collect(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await connection.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    private func single<Value: PostgresDecodable>(_ type: Value.Type, _ connection: PostgresConnection, _ query: PostgresQuery) async throws -> Value {
        guard let row = try await collect(connection, query).first else { throw StoreError(.invalid, "the database returned no row") }
        return try row.decode(Value.self)
    }

    private func audit(_ connection: PostgresConnection, _ actor: AuditActor, _ action: String, _ kind: String?, _ id: Int64?, _ detail: String?) async throws {
        try await connection.query("""
            INSERT INTO audit_log (at, actor, action, subject_kind, subject_id, detail)
            VALUES (\(Self.now), \(actor.name), \(action), \(kind), \(id), \(detail))
            """, logger: logger)
    }

    private static func sealedKey(_ row: PostgresRow) throws -> SealedPrivateKey {
        let row = row.makeRandomAccess()
        return SealedPrivateKey(
            publicKeySHA256: try row["public_key_sha256"].decode(String.self), algorithm: try row["algorithm"].decode(String.self),
            purpose: try row["purpose"].decode(String.self), sealed: Array(buffer: try row["sealed"].decode(ByteBuffer.self)),
            masterKeyID: try row["master_key_id"].decode(String.self))
    }

    static var now: Int64 { SQLiteStore.now }
    static func seconds(_ date: Date) -> Int64 { SQLiteStore.seconds(date) }
    static func date(_ seconds: Int64) -> Date { SQLiteStore.date(seconds) }
}
