import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
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
            try self.audit(db, actor, "device.enroll", "device", ids.first, names)
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
            try db.execute(sql: "UPDATE devices SET retired_at = ? WHERE id = ? AND retired_at IS NULL", arguments: [self.now, id])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no enrolled device \(id)") }
            try self.audit(db, actor, "device.retire", "device", id, nil)
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

    static func deliveries(_ db: Database, deviceID: Int64) throws -> [DeviceDelivery] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM deliveries WHERE device_id = ? ORDER BY rollover_id DESC"),
                         arguments: [deviceID]).map { row in
            try DeviceDelivery(rolloverID: row["rollover_id"], state: StoredValue.decode(row["state"], table: "deliveries", column: "state", row: nil),
                               reason: row["reason"],
                           attempts: row["attempts"], updatedAt: Self.date(row["updated_at"]))
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
    static func unconfirmed(fingerprints: [String], activeSince: Date) -> (String, StatementArguments) {
        let marks = Array(repeating: "?", count: max(fingerprints.count, 1)).joined(separator: ", ")
        var arguments: [(any DatabaseValueConvertible)?] = [Self.seconds(activeSince)]
        arguments += fingerprints.isEmpty ? [""] : fingerprints
        return ("""
            d.retired_at IS NULL AND d.last_seen_at >= ?
            AND NOT EXISTS (SELECT 1 FROM device_trust t WHERE t.device_id = d.id AND t.sha256 IN (\(marks)))
            """, StatementArguments(arguments))
    }
}
