import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
    public func recordSyncs(_ reports: [SyncReport]) async throws {
        try await write { db in
            let seen = try db.cachedStatement(sql: """
                UPDATE devices SET last_seen_at = ?, agent_version = ?, platform = coalesce(?, platform),
                  handover_sequence = coalesce(?, handover_sequence) WHERE id = ?
                """)
            let forget = try db.cachedStatement(sql: "DELETE FROM device_trust WHERE device_id = ?")
            let hold = try db.cachedStatement(sql: "INSERT OR IGNORE INTO device_trust (device_id, sha256) VALUES (?, ?)")
            let current = try db.cachedStatement(sql: "SELECT state FROM deliveries WHERE rollover_id = ? AND device_id = ?")
            let update = try db.cachedStatement(sql: """
                UPDATE deliveries SET state = ?, reason = ?, attempts = attempts + ?, updated_at = ? WHERE rollover_id = ? AND device_id = ?
                """)
            var deltas = DeliveryCountDeltas()
            for report in reports {
                let at = Self.seconds(report.seenAt)
                try seen.execute(arguments: [at, report.agentVersion, report.platform?.rawValue, report.handoverSequence, report.deviceID])
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
            try self.audit(db, actor, "delivery.retry", deviceID == nil ? "rollover" : "device", deviceID ?? rolloverID,
                           "\(total) failed deliveries (\(scope.isEmpty ? "all" : scope))")
            return total
        }
    }

    public func deliveryCounts(rolloverID: Int64) async throws -> [DeliveryState: Int] {
        try await pool.read { db in
            var counts: [DeliveryState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count FROM delivery_counts WHERE rollover_id = ?", arguments: [rolloverID]) {
                let state: DeliveryState = try StoredValue.decode(row["state"], table: "delivery_counts", column: "state", row: nil)
                counts[state] = row["count"]
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
                try DeliveryRow(
                    deviceID: row["device_id"], deviceName: row["name"],
                    platform: StoredValue.decode(row["platform"], table: "devices", column: "platform", row: row["device_id"]),
                    lastSeenAt: (row["last_seen_at"] as Int64?).map(Self.date),
                    state: StoredValue.decode(row["state"], table: "deliveries", column: "state", row: nil),
                    reason: row["reason"], attempts: row["attempts"], updatedAt: Self.date(row["updated_at"]))
            }
        }
    }
}
