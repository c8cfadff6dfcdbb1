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

    // MARK: Private keys

    public func insertPrivateKey(_ key: SealedPrivateKey, actor: AuditActor) async throws -> Int64 {
        try await transaction { connection in
            // Exclusive with a rotation's re-sealing: a key is either re-sealed by it or refused after it.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.masterKeyLock))", logger: self.logger)
            let current = try await self.collect(connection, "SELECT master_key_id FROM private_keys WHERE master_key_id <> \(key.masterKeyID) LIMIT 1")
            if let row = current.first {
                throw MasterKeyRefusal.rotated(storeKey: try row.decode(String.self), processKey: key.masterKeyID)
            }
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
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.masterKeyLock))", logger: self.logger)
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
        return try found.map(Self.certificate)
    }

    public func certificate(id: Int64) async throws -> StoredCertificate? {
        try await rows("SELECT * FROM certificates WHERE id = \(id)").first.map(Self.certificate)
    }

    public func setCertificateState(id: Int64, to state: CertificateState, actor: AuditActor) async throws {
        try await transaction { connection in
            let updated = try await self.collect(connection, "UPDATE certificates SET state = \(state.rawValue) WHERE id = \(id) RETURNING id")
            guard updated.count == 1 else { throw StoreError(.notFound, "no certificate \(id)") }
            try await self.audit(connection, actor, "certificate.state", "certificate", id, state.rawValue)
        }
    }

    public func activateCertificate(id: Int64, actor: AuditActor) async throws {
        try await transaction { connection in try await self.activateCertificate(connection, id: id, actor: actor) }
    }

    /// Makes a staged or reserve certificate active (its activation time cleared) and retires the active one of the
    /// same host name; shared by `activateCertificate` and `completeRollover`.
    private func activateCertificate(_ connection: PostgresConnection, id: Int64, actor: AuditActor) async throws {
        let found = try await collect(connection, "SELECT host_name, state, source FROM certificates WHERE id = \(id) FOR UPDATE")
        guard let row = found.first else { throw StoreError(.notFound, "no certificate \(id)") }
        let (host, state, source) = try row.decode((String?, String, String).self)
        guard ["staged", "reserve"].contains(state), source != "authority" else {
            throw StoreError(.conflict, "certificate \(id) is \(state); only a staged or reserve certificate can be activated")
        }
        try await connection.query("""
            UPDATE certificates SET state = 'retired'
            WHERE state = 'active' AND source != 'authority' AND host_name IS NOT DISTINCT FROM \(host)
            """, logger: logger)
        try await connection.query("UPDATE certificates SET state = 'active', activates_at = NULL WHERE id = \(id)", logger: logger)
        try await audit(connection, actor, "certificate.activate", "certificate", id, host ?? "default")
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

    // MARK: Enrollment secrets

    public func insertEnrollmentSecret(name: String, secretSHA256: String, expiresAt: Date?, maxUses: Int?, actor: AuditActor) async throws -> Int64 {
        try NameLimit.check(name, what: "an enrollment secret's name")
        return try await transaction { connection in
            let taken = try await self.single(Int64.self, connection, "SELECT count(*) FROM enrollment_secrets WHERE name = \(name)")
            guard taken == 0 else { throw StoreError(.conflict, "an enrollment secret named \"\(name)\" exists already") }
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO enrollment_secrets (name, secret_sha256, created_at, expires_at, max_uses)
                VALUES (\(name), \(secretSHA256), \(Self.now), \(expiresAt.map(Self.seconds)), \(maxUses.map(Int64.init))) RETURNING id
                """)
            try await self.audit(connection, actor, "enrollment-secret.create", "enrollment-secret", id, name)
            return id
        }
    }

    public func enrollmentSecret(secretSHA256: String) async throws -> EnrollmentSecretRecord? {
        try await rows("""
            SELECT \(unescaped: StoreSchema.enrollmentSecretColumns) FROM enrollment_secrets s WHERE s.secret_sha256 = \(secretSHA256)
            """).first.map(Self.enrollmentSecret)
    }

    public func enrollmentSecrets() async throws -> [EnrollmentSecretRecord] {
        try await rows("SELECT \(unescaped: StoreSchema.enrollmentSecretColumns) FROM enrollment_secrets s ORDER BY s.id")
            .map(Self.enrollmentSecret)
    }

    public func revokeEnrollmentSecret(name: String, actor: AuditActor) async throws {
        try await transaction { connection in
            let revoked = try await self.collect(connection, """
                UPDATE enrollment_secrets SET revoked_at = \(Self.now) WHERE name = \(name) AND revoked_at IS NULL RETURNING id
                """)
            guard revoked.count == 1 else { throw StoreError(.notFound, "no active enrollment secret named \"\(name)\"") }
            try await self.audit(connection, actor, "enrollment-secret.revoke", "enrollment-secret", nil, name)
        }
    }

    // MARK: Devices

    public func deviceCount() async throws -> Int {
        let found = try await rows("SELECT count(*) FROM devices WHERE retired_at IS NULL")
        return Int(try found.first?.decode(Int64.self) ?? 0)
    }

    public func devicesEnrolled(since: Date) async throws -> Int {
        let found = try await rows("SELECT count(*) FROM devices WHERE enrolled_at >= \(Self.seconds(since))")
        return Int(try found.first?.decode(Int64.self) ?? 0)
    }

    public func insertDevices(_ devices: [NewDevice], deliveryState: DeliveryState, actor: AuditActor) async throws -> [Int64] {
        for device in devices { try NameLimit.check(device.name, what: "a device name") }
        return try await transaction { connection in
            // Shared with other enrollments, exclusive with starting a rollover: once it is held, every open
            // rollover is visible here, and a rollover starting later sees these devices.
            try await connection.query("SELECT pg_advisory_xact_lock_shared(\(Self.rolloverLock))", logger: self.logger)
            // The secret's row is locked first, so two enrollments with one secret cannot both take its last use.
            for (secretID, adding) in EnrollmentSecretUses.wanted(by: devices) {
                guard try await !self.collect(connection, "SELECT id FROM enrollment_secrets WHERE id = \(secretID) FOR UPDATE").isEmpty,
                    let row = try await self.collect(connection, """
                        SELECT \(unescaped: StoreSchema.enrollmentSecretColumns) FROM enrollment_secrets s WHERE s.id = \(secretID)
                        """).first
                else { continue }
                let secret = try Self.enrollmentSecret(row)
                try EnrollmentSecretUses.check(secretID: secretID, maxUses: secret.maxUses, used: secret.uses, adding: adding)
            }
            // Arrays carry no NULLs here: absent values travel as a flag (version) or as 0, never an identity value.
            let rows = try await self.collect(connection, """
                INSERT INTO devices (name, platform, token_sha256, enrolled_at, agent_version, enrollment_secret_id)
                SELECT name, platform, token, at, CASE WHEN has_version THEN version END, NULLIF(secret, 0)
                FROM unnest(\(devices.map(\.name)), \(devices.map(\.platform.rawValue)), \(devices.map(\.tokenSHA256)),
                  \(devices.map { Self.seconds($0.enrolledAt) }), \(devices.map { $0.agentVersion != nil }), \(devices.map { $0.agentVersion ?? "" }),
                  \(devices.map { $0.enrollmentSecretID ?? 0 })) WITH ORDINALITY AS u(name, platform, token, at, has_version, version, secret, n)
                ORDER BY n RETURNING id
                """)
            // Identity values are handed out in insertion order within the statement.
            let ids = try rows.map { try $0.decode(Int64.self) }.sorted()
            if !ids.isEmpty {
                let state = Int32(deliveryState.rawValue)
                let attempts = Int32(deliveryState == .pending ? 0 : 1)
                try await connection.query("""
                    WITH added AS (
                        INSERT INTO deliveries (rollover_id, device_id, state, attempts, updated_at)
                        SELECT r.id, d.id, \(state), \(attempts), d.enrolled_at FROM rollovers r JOIN devices d ON d.id = ANY(\(ids))
                        WHERE r.state = 'open'
                        RETURNING rollover_id),
                      per_rollover AS (SELECT rollover_id, count(*) AS n FROM added GROUP BY rollover_id)
                    UPDATE delivery_counts c SET count = c.count + p.n FROM per_rollover p
                    WHERE c.rollover_id = p.rollover_id AND c.state = \(state)
                    """, logger: self.logger)
            }
            let names = devices.count == 1 ? devices[0].name : "\(devices.count) devices"
            try await self.audit(connection, actor, "device.enroll", "device", ids.first, names)
            return ids
        }
    }

    public func device(id: Int64) async throws -> DeviceRecord? {
        try await rows("SELECT * FROM devices WHERE id = \(id)").first.map(Self.device)
    }

    public func device(tokenSHA256: String) async throws -> DeviceRecord? {
        try await rows("SELECT * FROM devices WHERE token_sha256 = \(tokenSHA256)").first.map(Self.device)
    }

    public func devices(matching filter: DeviceFilter, afterID: Int64?, limit: Int) async throws -> [DeviceRecord] {
        let query = DeviceQuery(filter, afterID: afterID, limit: limit, placeholder: { "$\($0)" })
        var binds = PostgresBindings(capacity: query.arguments.count)
        for argument in query.arguments {
            switch argument {
            case .text(let text): binds.append(text)
            case .integer(let number): binds.append(number)
            }
        }
        return try await rows(PostgresQuery(unsafeSQL: query.sql, binds: binds)).map(Self.device)
    }

    public func retireDevice(id: Int64, actor: AuditActor) async throws {
        try await transaction { connection in
            let retired = try await self.collect(connection, """
                UPDATE devices SET retired_at = \(Self.now) WHERE id = \(id) AND retired_at IS NULL RETURNING id
                """)
            guard retired.count == 1 else { throw StoreError(.notFound, "no enrolled device \(id)") }
            try await self.audit(connection, actor, "device.retire", "device", id, nil)
        }
    }

    public func deviceTrust(deviceID: Int64) async throws -> [String] {
        // Byte order, as SQLite sorts, whatever the database's collation.
        try await rows("SELECT sha256 FROM device_trust WHERE device_id = \(deviceID) ORDER BY sha256 COLLATE \"C\"").map { row in
            try row.decode(String.self)
        }
    }

    public func deviceDeliveries(deviceID: Int64) async throws -> [DeviceDelivery] {
        try await rows("""
            SELECT rollover_id, state, reason, attempts, updated_at FROM deliveries WHERE device_id = \(deviceID) ORDER BY rollover_id DESC
            """).map { row in
            let (rollover, state, reason, attempts, updated) = try row.decode((Int64, Int, String?, Int, Int64).self)
            return DeviceDelivery(rolloverID: rollover, state: DeliveryState(rawValue: state) ?? .pending, reason: reason, attempts: attempts,
                                  updatedAt: Self.date(updated))
        }
    }

    public func syncState(tokenSHA256: String) async throws -> DeviceSyncState? {
        // Three statements on the pool; PostgreSQL plans and caches them server-side.
        guard let device = try await device(tokenSHA256: tokenSHA256) else { return nil }
        return DeviceSyncState(device: device, deliveries: try await deviceDeliveries(deviceID: device.id), held: try await deviceTrust(deviceID: device.id))
    }

    public func unconfirmedDeviceCount(fingerprints: [String], activeSince: Date) async throws -> Int {
        let found = try await rows(Self.unconfirmed("count(*)", fingerprints: fingerprints, activeSince: activeSince))
        return Int(try found.first?.decode(Int64.self) ?? 0)
    }

    public func unconfirmedDevices(fingerprints: [String], activeSince: Date, limit: Int) async throws -> [DeviceRecord] {
        try await rows(Self.unconfirmed("d.*", fingerprints: fingerprints, activeSince: activeSince, then: "ORDER BY d.id LIMIT \(limit)"))
            .map(Self.device)
    }

    /// Selects `columns` of the active, unretired devices (`d`) whose trust store holds none of `fingerprints`.
    private static func unconfirmed(_ columns: String, fingerprints: [String], activeSince: Date, then suffix: String = "") -> PostgresQuery {
        """
        SELECT \(unescaped: columns) FROM devices d WHERE d.retired_at IS NULL AND d.last_seen_at >= \(seconds(activeSince))
        AND NOT EXISTS (SELECT 1 FROM device_trust t WHERE t.device_id = d.id AND t.sha256 = ANY(\(fingerprints))) \(unescaped: suffix)
        """
    }

    // MARK: Rollovers, trust material, deliveries

    public func insertRollover(_ rollover: NewRollover, artifacts: [TrustArtifactRecord], actor: AuditActor) async throws -> Int64 {
        try await transaction { connection in
            let id = try await self.insertRollover(connection, rollover, actor: actor)
            for artifact in artifacts {
                // Already current (standing material, or another rollover's): devices hold it or are getting it.
                let present = try await self.single(Int64.self, connection, """
                    SELECT count(*) FROM trust_artifacts WHERE sha256 = \(artifact.sha256) AND withdrawn_at IS NULL
                    """)
                guard present == 0 else { continue }
                var tracked = artifact
                tracked.rolloverID = id
                _ = try await self.insertTrustArtifact(connection, tracked, actor: actor)
            }
            return id
        }
    }

    /// The rollover row, a pending delivery per unretired device, the counts, and a reserve target's activation time.
    private func insertRollover(_ connection: PostgresConnection, _ rollover: NewRollover, actor: AuditActor) async throws -> Int64 {
        // Waits for enrollments in flight, so each device either is seen here or sees this rollover (see `insertDevices`);
        // rollovers also start one at a time, so two cannot take the same target.
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.rolloverLock))", logger: logger)
        var host = rollover.hostName
        var detail = rollover.preset
        if let target = rollover.certificateID {
            let found = try await collect(connection, "SELECT state, host_name FROM certificates WHERE id = \(target) FOR UPDATE")
            guard let row = found.first else { throw StoreError(.notFound, "no certificate \(target)") }
            let (state, serves) = try row.decode((String, String?).self)
            guard ["staged", "reserve"].contains(state) else {
                throw StoreError(.conflict, "certificate \(target) is \(state); only a staged or reserve certificate can be a rollover's target")
            }
            let open = try await collect(connection, "SELECT id FROM rollovers WHERE certificate_id = \(target) AND state = 'open' LIMIT 1")
            if let other = try open.first?.decode(Int64.self) {
                throw StoreError(.conflict, "certificate \(target) is the target of rollover \(other) already")
            }
            host = try StoreSchema.rolloverHost(host, certificate: target, serves: serves)
            detail += " for certificate \(target)"
            if let reserveUntil = rollover.reserveUntil {
                let reserved = try await collect(connection, """
                    UPDATE certificates SET state = 'reserve', activates_at = \(Self.seconds(reserveUntil))
                    WHERE id = \(target) AND state IN ('staged', 'reserve') RETURNING id
                    """)
                guard reserved.count == 1 else { throw StoreError(.conflict, "certificate \(target) can no longer become a reserve") }
                detail += ", reserve activating \(StoreSchema.iso(reserveUntil))"
            }
        }
        let at = Self.seconds(rollover.createdAt)
        let id = try await single(Int64.self, connection, """
            INSERT INTO rollovers (certificate_id, preset, state, created_at, host_name, check_at, deadline_at, addresses)
            VALUES (\(rollover.certificateID), \(rollover.preset), 'open', \(at), \(host), \(Self.seconds(rollover.checkAt)),
              \(Self.seconds(rollover.deadline)), \(StoreSchema.joined(addresses: rollover.addresses)))
            RETURNING id
            """)
        try await connection.query("""
            WITH added AS (
                INSERT INTO deliveries (rollover_id, device_id, state, updated_at)
                SELECT \(id), id, \(Int32(DeliveryState.pending.rawValue)), \(at) FROM devices WHERE retired_at IS NULL
                RETURNING device_id)
            INSERT INTO delivery_counts (rollover_id, state, count)
            SELECT \(id), s, CASE WHEN s = \(Int32(DeliveryState.pending.rawValue)) THEN (SELECT count(*) FROM added) ELSE 0 END
            FROM unnest(\(DeliveryState.allCases.map { Int32($0.rawValue) })) AS s
            """, logger: logger)
        try await audit(connection, actor, "rollover.create", "rollover", id, detail)
        return id
    }

    public func rollovers() async throws -> [RolloverRecord] {
        try await rows("SELECT \(unescaped: StoreSchema.rolloverColumns) FROM rollovers ORDER BY id").map(Self.rollover)
    }

    public func rollover(id: Int64) async throws -> RolloverRecord? {
        try await rows("SELECT \(unescaped: StoreSchema.rolloverColumns) FROM rollovers WHERE id = \(id)").first.map(Self.rollover)
    }

    public func rescheduleRollover(id: Int64, checkAt: Date, extensions: Int, heldAt: Date?, detail: String, actor: AuditActor) async throws {
        try await transaction { connection in
            let updated = try await self.collect(connection, """
                UPDATE rollovers SET check_at = \(Self.seconds(checkAt)), extensions = \(Int32(extensions)), held_at = \(heldAt.map(Self.seconds))
                WHERE id = \(id) AND state = 'open' RETURNING id
                """)
            guard updated.count == 1 else { throw StoreError(.notFound, "no open rollover \(id)") }
            try await self.audit(connection, actor, heldAt == nil ? "rollover.extend" : "rollover.hold", "rollover", id, detail)
        }
    }

    public func completeRollover(id: Int64, at date: Date, detail: String, actor: AuditActor) async throws {
        try await transaction { connection in
            let target = try await self.openRollover(connection, id: id, doing: "activated")
            guard let target else { throw StoreError(.conflict, "rollover \(id) has no target certificate to activate") }
            try await self.activateCertificate(connection, id: target, actor: actor)
            try await connection.query("UPDATE rollovers SET state = 'completed', completed_at = \(Self.seconds(date)) WHERE id = \(id)",
                                       logger: self.logger)
            try await self.audit(connection, actor, "rollover.activate", "rollover", id, detail)
        }
    }

    public func cancelRollover(id: Int64, at date: Date, actor: AuditActor) async throws {
        try await transaction { connection in
            let target = try await self.openRollover(connection, id: id, doing: "cancelled")
            let at = Self.seconds(date)
            try await connection.query("UPDATE rollovers SET state = 'cancelled', completed_at = \(at) WHERE id = \(id)", logger: self.logger)
            var detail: [String] = []
            if let target {
                let cancelled = try await self.collect(connection, """
                    UPDATE certificates SET state = 'cancelled', activates_at = NULL WHERE id = \(target) AND state IN ('staged', 'reserve')
                    RETURNING id
                    """)
                if cancelled.count == 1 { detail.append("certificate \(target) cancelled") }
            }
            let withdrawn = try await self.collect(connection, """
                UPDATE trust_artifacts SET withdrawn_at = \(at) WHERE rollover_id = \(id) AND withdrawn_at IS NULL RETURNING id
                """)
            detail.append("\(withdrawn.count) trust artifact(s) withdrawn")
            try await self.audit(connection, actor, "rollover.cancel", "rollover", id, detail.joined(separator: ", "))
        }
    }

    /// The target of an open rollover, locked; `notFound` when there is no such rollover, `conflict` when it is not open.
    private func openRollover(_ connection: PostgresConnection, id: Int64, doing: String) async throws -> Int64? {
        let found = try await collect(connection, "SELECT state, certificate_id FROM rollovers WHERE id = \(id) FOR UPDATE")
        guard let row = found.first else { throw StoreError(.notFound, "no rollover \(id)") }
        let (state, target) = try row.decode((String, Int64?).self)
        guard state == "open" else { throw StoreError(.conflict, "rollover \(id) is \(state); only an open rollover can be \(doing)") }
        return target
    }

    public func readiness(rolloverID: Int64, activeSince: Date) async throws -> Readiness {
        let since = Self.seconds(activeSince)
        let active = try await rows("SELECT count(*) FROM devices WHERE retired_at IS NULL AND last_seen_at >= \(since)")
        // One pass over the rollover's deliveries that are not installed, split by activity.
        let unconfirmed = try await rows("""
            SELECT count(CASE WHEN d.last_seen_at >= \(since) THEN 1 END), count(*)
            FROM deliveries x JOIN devices d ON d.id = x.device_id
            WHERE x.rollover_id = \(rolloverID) AND x.state IN \(unescaped: StoreSchema.notInstalled) AND d.retired_at IS NULL
            """)
        let activeDevices = Int(try active.first?.decode(Int64.self) ?? 0)
        guard let row = unconfirmed.first else { throw StoreError(.invalid, "the database returned no row") }
        let (activeUnconfirmed, total) = try row.decode((Int64, Int64).self)
        return Readiness(activeDevices: activeDevices, confirmed: activeDevices - Int(activeUnconfirmed), stragglers: Int(total - activeUnconfirmed))
    }

    public func insertTrustArtifact(_ artifact: TrustArtifactRecord, tracked: Bool, actor: AuditActor) async throws -> TrustArtifactRecord {
        try await transaction { connection in
            let present = try await self.single(Int64.self, connection, """
                SELECT count(*) FROM trust_artifacts WHERE sha256 = \(artifact.sha256) AND withdrawn_at IS NULL
                """)
            guard present == 0 else { throw StoreError(.conflict, "that certificate is in the trust material already") }
            var stored = artifact
            if tracked {
                stored.rolloverID = try await self.insertRollover(connection, NewRollover(
                    certificateID: nil, preset: "trust", createdAt: artifact.addedAt, checkAt: artifact.addedAt, deadline: artifact.addedAt),
                    actor: actor)
            }
            return try await self.insertTrustArtifact(connection, stored, actor: actor)
        }
    }

    private func insertTrustArtifact(_ connection: PostgresConnection, _ artifact: TrustArtifactRecord, actor: AuditActor) async throws -> TrustArtifactRecord {
        var stored = artifact
        stored.id = try await single(Int64.self, connection, """
            INSERT INTO trust_artifacts (sha256, der, subject, not_after, role, rollover_id, added_at)
            VALUES (\(stored.sha256), \(ByteBuffer(bytes: stored.der)), \(stored.subject), \(Self.seconds(stored.notAfter)),
              \(stored.role.rawValue), \(stored.rolloverID), \(Self.seconds(stored.addedAt)))
            RETURNING id
            """)
        stored.withdrawnAt = nil
        try await audit(connection, actor, "trust.add", "trust-artifact", stored.id, "\(stored.role.rawValue) \(stored.subject) sha256 \(stored.sha256)")
        return stored
    }

    public func trustArtifacts(includeWithdrawn: Bool) async throws -> [TrustArtifactRecord] {
        let columns = "id, sha256, der, subject, not_after, role, rollover_id, added_at, withdrawn_at"
        let found = if includeWithdrawn {
            try await rows("SELECT \(unescaped: columns) FROM trust_artifacts ORDER BY id")
        } else {
            try await rows("SELECT \(unescaped: columns) FROM trust_artifacts WHERE withdrawn_at IS NULL ORDER BY id")
        }
        return try found.map { row in
            let (id, sha256, der, subject, notAfter, role, rollover, added, withdrawn) =
                try row.decode((Int64, String, ByteBuffer, String, Int64, String, Int64?, Int64, Int64?).self)
            return TrustArtifactRecord(id: id, sha256: sha256, der: Array(buffer: der), subject: subject, notAfter: Self.date(notAfter),
                                       role: TrustRole(rawValue: role) ?? .anchor, rolloverID: rollover, addedAt: Self.date(added),
                                       withdrawnAt: withdrawn.map(Self.date))
        }
    }

    public func withdrawTrustArtifact(sha256: String, at date: Date, actor: AuditActor) async throws {
        try await transaction { connection in
            let found = try await self.collect(connection, """
                SELECT id, rollover_id FROM trust_artifacts WHERE sha256 = \(sha256) AND withdrawn_at IS NULL FOR UPDATE
                """)
            guard let row = found.first else { throw StoreError(.notFound, "no certificate with SHA-256 \(sha256) in the trust material") }
            let (id, rollover) = try row.decode((Int64, Int64?).self)
            try await connection.query("UPDATE trust_artifacts SET withdrawn_at = \(Self.seconds(date)) WHERE id = \(id)", logger: self.logger)
            if let rollover {
                try await connection.query("""
                    UPDATE rollovers SET state = 'cancelled', completed_at = \(Self.seconds(date)) WHERE id = \(rollover) AND state = 'open'
                    """, logger: self.logger)
            }
            try await self.audit(connection, actor, "trust.withdraw", "trust-artifact", id, "sha256 \(sha256)")
        }
    }

    public func recordSyncs(_ reports: [SyncReport]) async throws {
        guard !reports.isEmpty else { return }
        // A batch is folded into one change per device and per delivery, with the outcome the reports would have
        // had written one by one, so each table takes one statement whatever the batch holds.
        var seen: [Int64: SeenDevice] = [:]
        var folded: [DeliveryKey: FoldedDelivery] = [:]
        for report in reports {
            let at = Self.seconds(report.seenAt)
            var device = seen[report.deviceID] ?? SeenDevice(at: at, agentVersion: report.agentVersion)
            device.at = at
            device.agentVersion = report.agentVersion
            if let platform = report.platform { device.platform = platform }
            if let held = report.held { device.held = held }
            seen[report.deviceID] = device
            for delivery in report.deliveries {
                let key = DeliveryKey(rolloverID: delivery.rolloverID, deviceID: report.deviceID)
                if folded[key] == nil {
                    folded[key] = FoldedDelivery(delivery, at: at)
                } else {
                    folded[key]?.fold(delivery, at: at)
                }
            }
        }
        // Rows are locked in id order, so two batches touching the same rows wait for each other instead of deadlocking.
        let devices = seen.sorted { $0.key < $1.key }
        let holding = devices.filter { $0.value.held != nil }
        var trusted: [(device: Int64, sha256: String)] = []
        for (id, device) in holding {
            var unique = Set<String>()
            for fingerprint in device.held ?? [] where unique.insert(fingerprint).inserted { trusted.append((id, fingerprint)) }
        }
        let keys = folded.keys.sorted { ($0.rolloverID, $0.deviceID) < ($1.rolloverID, $1.deviceID) }
        try await transaction { connection in
            try await connection.query("""
                UPDATE devices SET last_seen_at = u.at, agent_version = u.version, platform = coalesce(NULLIF(u.platform, ''), devices.platform)
                FROM unnest(\(devices.map(\.key)), \(devices.map(\.value.at)), \(devices.map(\.value.agentVersion)),
                  \(devices.map { $0.value.platform?.rawValue ?? "" })) AS u(id, at, version, platform)
                WHERE devices.id = u.id
                """, logger: self.logger)
            if !holding.isEmpty {
                try await connection.query("DELETE FROM device_trust WHERE device_id = ANY(\(holding.map(\.key)))", logger: self.logger)
                if !trusted.isEmpty {
                    try await connection.query("""
                        INSERT INTO device_trust (device_id, sha256) SELECT * FROM unnest(\(trusted.map(\.device)), \(trusted.map(\.sha256)))
                        ON CONFLICT DO NOTHING
                        """, logger: self.logger)
                }
            }
            guard !keys.isEmpty else { return }
            // The states being replaced, read under lock so a concurrent writer cannot change them before the update.
            let current = try await self.collect(connection, """
                SELECT d.rollover_id, d.device_id, d.state FROM deliveries d
                JOIN unnest(\(keys.map(\.rolloverID)), \(keys.map(\.deviceID))) AS u(rollover_id, device_id)
                  ON d.rollover_id = u.rollover_id AND d.device_id = u.device_id
                ORDER BY d.rollover_id, d.device_id FOR UPDATE OF d
                """)
            var deltas = DeliveryCountDeltas()
            var writes: [(key: DeliveryKey, delivery: FoldedDelivery)] = []
            for row in current {
                let (rolloverID, deviceID, old) = try row.decode((Int64, Int64, Int).self)
                let key = DeliveryKey(rolloverID: rolloverID, deviceID: deviceID)
                guard let delivery = folded[key], delivery.applies(over: old) else { continue }
                writes.append((key, delivery))
                deltas.move(rolloverID: rolloverID, from: old, to: delivery.state.rawValue)
            }
            guard !writes.isEmpty else { return }
            try await connection.query("""
                UPDATE deliveries d SET state = u.state, reason = CASE WHEN u.has_reason THEN u.reason END,
                  attempts = d.attempts + u.attempts, updated_at = u.at
                FROM unnest(\(writes.map(\.key.rolloverID)), \(writes.map(\.key.deviceID)), \(writes.map { Int32($0.delivery.state.rawValue) }),
                  \(writes.map { $0.delivery.reason != nil }), \(writes.map { $0.delivery.reason ?? "" }),
                  \(writes.map { Int32($0.delivery.attempts) }), \(writes.map(\.delivery.at)))
                  AS u(rollover_id, device_id, state, has_reason, reason, attempts, at)
                WHERE d.rollover_id = u.rollover_id AND d.device_id = u.device_id
                """, logger: self.logger)
            let changes = deltas.changes.filter { $0.value != 0 }.sorted { ($0.key.rolloverID, $0.key.state) < ($1.key.rolloverID, $1.key.state) }
            guard !changes.isEmpty else { return }
            try await connection.query("""
                UPDATE delivery_counts c SET count = c.count + u.change
                FROM unnest(\(changes.map(\.key.rolloverID)), \(changes.map { Int32($0.key.state) }), \(changes.map { Int64($0.value) }))
                  AS u(rollover_id, state, change)
                WHERE c.rollover_id = u.rollover_id AND c.state = u.state
                """, logger: self.logger)
        }
    }

    public func retryFailedDeliveries(rolloverID: Int64?, deviceID: Int64?, at date: Date, actor: AuditActor) async throws -> Int {
        try await transaction { connection in
            let failed = DeliveryState.failed.rawValue, retrying = DeliveryState.retrying.rawValue
            var binds = PostgresBindings()
            binds.append(Self.seconds(date))
            var conditions = ["state = \(failed)"]
            if let rolloverID {
                binds.append(rolloverID)
                conditions.append("rollover_id = $\(binds.count)")
            }
            if let deviceID {
                binds.append(deviceID)
                conditions.append("device_id = $\(binds.count)")
            }
            // One statement moves the deliveries and their counts together.
            let found = try await self.collect(connection, PostgresQuery(unsafeSQL: """
                WITH moved AS (
                    UPDATE deliveries SET state = \(retrying), attempts = attempts + 1, updated_at = $1 WHERE \(conditions.joined(separator: " AND "))
                    RETURNING rollover_id),
                  per_rollover AS (SELECT rollover_id, count(*) AS n FROM moved GROUP BY rollover_id),
                  adjusted AS (
                    UPDATE delivery_counts c SET count = c.count + CASE WHEN c.state = \(failed) THEN -p.n ELSE p.n END
                    FROM per_rollover p WHERE c.rollover_id = p.rollover_id AND c.state IN (\(failed), \(retrying))
                    RETURNING 1)
                SELECT coalesce(sum(n), 0)::bigint FROM per_rollover
                """, binds: binds))
            let total = Int(try found.first?.decode(Int64.self) ?? 0)
            let scope = [rolloverID.map { "rollover \($0)" }, deviceID.map { "device \($0)" }].compactMap { $0 }.joined(separator: ", ")
            try await self.audit(connection, actor, "delivery.retry", deviceID == nil ? "rollover" : "device", deviceID ?? rolloverID,
                                 "\(total) failed deliveries (\(scope.isEmpty ? "all" : scope))")
            return total
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

    public func deliveryPage(rolloverID: Int64, filter: DeliveryFilter, afterDeviceID: Int64?, limit: Int) async throws -> [DeliveryRow] {
        var binds = PostgresBindings()
        func bind(_ value: some PostgresNonThrowingEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var conditions = ["d.rollover_id = \(bind(rolloverID))"]
        if let state = filter.state { conditions.append("d.state = \(bind(Int32(state.rawValue)))") }
        if let platform = filter.platform { conditions.append("v.platform = \(bind(platform.rawValue))") }
        if let before = filter.seenBefore { conditions.append("(v.last_seen_at IS NULL OR v.last_seen_at < \(bind(Self.seconds(before))))") }
        if let after = filter.seenAfter { conditions.append("v.last_seen_at >= \(bind(Self.seconds(after)))") }
        // The keyset bound on both sides of the join: PostgreSQL merge-joins the two primary keys, and without the
        // bound on `v` it reads every device before `afterDeviceID` first.
        let after = bind(afterDeviceID ?? 0)
        conditions.append("d.device_id > \(after) AND v.id > \(after)")
        let query = PostgresQuery(unsafeSQL: """
            SELECT d.device_id, v.name, v.platform, v.last_seen_at, d.state, d.reason, d.attempts, d.updated_at
            FROM deliveries d JOIN devices v ON v.id = d.device_id
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY d.device_id LIMIT \(bind(Int64(limit)))
            """, binds: binds)
        return try await rows(query).map { row in
            let (id, name, platform, seen, state, reason, attempts, updated) = try row.decode((Int64, String, String, Int64?, Int, String?, Int, Int64).self)
            return DeliveryRow(deviceID: id, deviceName: name, platform: DevicePlatform(rawValue: platform) ?? .linux,
                               lastSeenAt: seen.map(Self.date), state: DeliveryState(rawValue: state) ?? .pending, reason: reason,
                               attempts: attempts, updatedAt: Self.date(updated))
        }
    }

    // MARK: Alerts

    public func insertAlert(_ alert: LifecycleAlert, at date: Date) async throws -> Bool {
        try await transaction { connection in
            let inserted = try await self.collect(connection, """
                INSERT INTO alerts (key, at, severity, code, message, certificate_id, rollover_id)
                VALUES (\(alert.key), \(Self.seconds(date)), \(alert.severity.rawValue), \(alert.code), \(alert.message), \(alert.certificateID),
                  \(alert.rolloverID))
                ON CONFLICT (key) DO NOTHING RETURNING id
                """)
            return inserted.count == 1
        }
    }

    public func alerts(limit: Int) async throws -> [AlertRecord] {
        try await rows("""
            SELECT id, at, key, severity, code, message, certificate_id, rollover_id FROM alerts ORDER BY at DESC, id DESC LIMIT \(limit)
            """).map { row in
            let (id, at, key, severity, code, message, certificate, rollover) =
                try row.decode((Int64, Int64, String, String, String, String, Int64?, Int64?).self)
            return AlertRecord(id: id, at: Self.date(at), alert: LifecycleAlert(
                key: key, severity: LifecycleAlert.Severity(rawValue: severity) ?? .info, code: code, message: message,
                certificateID: certificate, rolloverID: rollover))
        }
    }

    public func alertKeys() async throws -> Set<String> {
        Set(try await rows("SELECT key FROM alerts").map { try $0.decode(String.self) })
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

    public func settings() async throws -> [String: String] {
        var values: [String: String] = [:]
        for row in try await rows("SELECT key, value FROM settings") {
            let (key, value) = try row.decode((String, String).self)
            values[key] = value
        }
        return values
    }

    public func insertAdminToken(name: String, tokenSHA256: String, actor: AuditActor) async throws -> Int64 {
        try NameLimit.check(name, what: "an admin token's name")
        return try await transaction { connection in
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
            // The active tokens locked first, so two revocations of the last two cannot both see the other one left.
            let active = try await self.collect(connection, "SELECT name FROM admin_tokens WHERE revoked_at IS NULL ORDER BY id FOR UPDATE")
            let names = try active.map { try $0.decode(String.self) }
            guard names.contains(name) else { throw StoreError(.notFound, "no active admin token named \"\(name)\"") }
            guard names.count > 1 else { throw AdminTokenRefusal.lastToken(name) }
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

    public func auditLog(limit: Int, before: Int64?) async throws -> [AuditEntry] {
        try await rows("""
            SELECT id, at, actor, action, subject_kind, subject_id, detail FROM audit_log WHERE id < \(before ?? Int64.max)
            ORDER BY id DESC LIMIT \(limit)
            """).map(Self.auditEntry)
    }

    public func confirmationTimeline(rolloverID: Int64, bucketSeconds: Int) async throws -> [(start: Date, count: Int)] {
        let bucket = Int64(max(bucketSeconds, 1))
        return try await rows("""
            SELECT updated_at / \(bucket) AS bucket, count(*) FROM deliveries WHERE rollover_id = \(rolloverID) AND state = \(DeliveryState.installed.rawValue)
            GROUP BY bucket ORDER BY bucket
            """).map { row in
            let (start, count) = try row.decode((Int64, Int64).self)
            return (start: Self.date(start * bucket), count: Int(count))
        }
    }

    public func auditHistory(subjectKind: String, subjectID: Int64, limit: Int) async throws -> [AuditEntry] {
        try await rows("""
            SELECT id, at, actor, action, subject_kind, subject_id, detail FROM audit_log
            WHERE subject_kind = \(subjectKind) AND subject_id = \(subjectID) ORDER BY id DESC LIMIT \(limit)
            """).map(Self.auditEntry)
    }

    // MARK: Helpers

    private static func auditEntry(_ row: PostgresRow) throws -> AuditEntry {
        let (id, at, actor, action, kind, subject, detail) = try row.decode((Int64, Int64, String, String, String?, Int64?, String?).self)
        return AuditEntry(id: id, at: date(at), actor: actor, action: action, subjectKind: kind, subjectID: subject, detail: detail)
    }

    private struct DeliveryKey: Hashable {
        var rolloverID: Int64
        var deviceID: Int64
    }

    /// What a batch leaves on one device row: its last report's time and version, its last platform and trust store.
    private struct SeenDevice {
        var at: Int64
        var agentVersion: String
        var platform: DevicePlatform?
        var held: [String]?
    }

    /// The net effect of a batch's updates to one delivery, as `SQLiteStore` writes them one by one: an update
    /// that repeats the state with no reason and no attempt is skipped; the others set state, reason and time and
    /// add their attempt. Only whether the first one is skipped depends on the stored state.
    private struct FoldedDelivery {
        var state: DeliveryState
        var reason: String?
        var at: Int64
        var attempts: Int
        /// An update after the first one is written whatever the stored state.
        var writtenAnyway: Bool
        private let firstState: DeliveryState

        init(_ update: SyncReport.DeliveryUpdate, at: Int64) {
            state = update.state
            reason = update.reason
            self.at = at
            attempts = update.attempted ? 1 : 0
            writtenAnyway = update.reason != nil || update.attempted
            firstState = update.state
        }

        mutating func fold(_ update: SyncReport.DeliveryUpdate, at: Int64) {
            if update.state != state || update.reason != nil || update.attempted {
                writtenAnyway = true
                reason = update.reason
                self.at = at
                if update.attempted { attempts += 1 }
            }
            state = update.state
        }

        func applies(over stored: Int) -> Bool { writtenAnyway || stored != firstState.rawValue }
    }

    /// Advisory lock between enrolling devices (shared) and starting rollovers (exclusive).
    private static let rolloverLock: Int64 = 7_270_002
    /// Held by a key's insertion and by a master key rotation's re-sealing, one at a time.
    private static let masterKeyLock: Int64 = 7_270_003

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

    private static func enrollmentSecret(_ row: PostgresRow) throws -> EnrollmentSecretRecord {
        let (id, name, hash, created, expires, revoked, maxUses, uses) = try row.decode((Int64, String, String, Int64, Int64?, Int64?, Int64?, Int64).self)
        return EnrollmentSecretRecord(id: id, name: name, secretSHA256: hash, createdAt: date(created), expiresAt: expires.map(date),
                                      revokedAt: revoked.map(date), maxUses: maxUses.map { Int($0) }, uses: Int(uses))
    }

    private static func certificate(_ row: PostgresRow) throws -> StoredCertificate {
        let row = row.makeRandomAccess()
        return StoredCertificate(
            id: try row["id"].decode(Int64.self), sha256: try row["sha256"].decode(String.self),
            der: Array(buffer: try row["der"].decode(ByteBuffer.self)), chainPEM: try row["chain_pem"].decode(String.self),
            subject: try row["subject"].decode(String.self), notBefore: date(try row["not_before"].decode(Int64.self)),
            notAfter: date(try row["not_after"].decode(Int64.self)),
            state: CertificateState(rawValue: try row["state"].decode(String.self)) ?? .staged,
            source: CertificateSource(rawValue: try row["source"].decode(String.self)) ?? .imported,
            privateKeyID: try row["private_key_id"].decode(Int64?.self), hostName: try row["host_name"].decode(String?.self),
            fromSigningRequest: try row["from_signing_request"].decode(Int32.self) != 0)
    }

    private static func rollover(_ row: PostgresRow) throws -> RolloverRecord {
        let row = row.makeRandomAccess()
        return RolloverRecord(
            id: try row["id"].decode(Int64.self), certificateID: try row["certificate_id"].decode(Int64?.self),
            preset: try row["preset"].decode(String.self),
            state: RolloverRecord.State(rawValue: try row["state"].decode(String.self)) ?? .open,
            createdAt: date(try row["created_at"].decode(Int64.self)), hostName: try row["host_name"].decode(String?.self),
            checkAt: date(try row["check_at"].decode(Int64.self)), deadline: date(try row["deadline_at"].decode(Int64.self)),
            extensions: try row["extensions"].decode(Int.self), heldAt: try row["held_at"].decode(Int64?.self).map(date),
            completedAt: try row["completed_at"].decode(Int64?.self).map(date),
            addresses: StoreSchema.addresses(try row["addresses"].decode(String?.self)))
    }

    private static func device(_ row: PostgresRow) throws -> DeviceRecord {
        let row = row.makeRandomAccess()
        return DeviceRecord(
            id: try row["id"].decode(Int64.self), name: try row["name"].decode(String.self),
            platform: DevicePlatform(rawValue: try row["platform"].decode(String.self)) ?? .linux,
            tokenSHA256: try row["token_sha256"].decode(String.self), agentVersion: try row["agent_version"].decode(String?.self),
            enrolledAt: date(try row["enrolled_at"].decode(Int64.self)), lastSeenAt: try row["last_seen_at"].decode(Int64?.self).map(date),
            retiredAt: try row["retired_at"].decode(Int64?.self).map(date))
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
