import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

extension PostgresStore {
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
            if let sequence = report.handoverSequence { device.handoverSequence = sequence }
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
                UPDATE devices SET last_seen_at = u.at, agent_version = u.version, platform = coalesce(NULLIF(u.platform, ''), devices.platform),
                  handover_sequence = CASE WHEN u.sequence < 0 THEN devices.handover_sequence ELSE u.sequence END
                FROM unnest(\(devices.map(\.key)), \(devices.map(\.value.at)), \(devices.map(\.value.agentVersion)),
                  \(devices.map { $0.value.platform?.rawValue ?? "" }), \(devices.map { Int64($0.value.handoverSequence ?? -1) }))
                  AS u(id, at, version, platform, sequence)
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
            let (raw, count) = try row.decode((Int, Int64).self)
            let state: DeliveryState = try StoredValue.decode(raw, table: "delivery_counts", column: "state", row: nil)
            counts[state] = Int(count)
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
            return DeliveryRow(deviceID: id, deviceName: name, platform: try StoredValue.decode(platform, table: "devices", column: "platform", row: id),
                               lastSeenAt: seen.map(Self.date), state: try StoredValue.decode(state, table: "deliveries", column: "state", row: nil),
                               reason: reason,
                               attempts: attempts, updatedAt: Self.date(updated))
        }
    }
}
