import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

extension PostgresStore {
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
                UPDATE devices SET retired_at = \(self.now) WHERE id = \(id) AND retired_at IS NULL RETURNING id
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
            return DeviceDelivery(rolloverID: rollover, state: try StoredValue.decode(state, table: "deliveries", column: "state", row: nil),
                                  reason: reason, attempts: attempts,
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
    static func unconfirmed(_ columns: String, fingerprints: [String], activeSince: Date, then suffix: String = "") -> PostgresQuery {
        """
        SELECT \(unescaped: columns) FROM devices d WHERE d.retired_at IS NULL AND d.last_seen_at >= \(Self.seconds(activeSince))
        AND NOT EXISTS (SELECT 1 FROM device_trust t WHERE t.device_id = d.id AND t.sha256 = ANY(\(fingerprints))) \(unescaped: suffix)
        """
    }
}
