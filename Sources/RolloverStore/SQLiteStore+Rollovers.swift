import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
    public func insertRollover(_ rollover: NewRollover, artifacts: [TrustArtifactRecord], actor: AuditActor) async throws -> Int64 {
        try await write { db in
            let id = try self.insertRollover(db, rollover, actor: actor)
            for artifact in artifacts {
                // Already current (standing material, or another rollover's): devices hold it or are getting it.
                guard try Int.fetchOne(db, sql: "SELECT count(*) FROM trust_artifacts WHERE sha256 = ? AND withdrawn_at IS NULL",
                                       arguments: [artifact.sha256]) == 0
                else { continue }
                var tracked = artifact
                tracked.rolloverID = id
                _ = try self.insertTrustArtifact(db, tracked, actor: actor)
            }
            return id
        }
    }

    /// The rollover row, a pending delivery per unretired device, the counts, and a reserve target's activation time.
    func insertRollover(_ db: Database, _ rollover: NewRollover, actor: AuditActor) throws -> Int64 {
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
                               arguments: [Self.seconds(reserveUntil), target])
                guard db.changesCount == 1 else { throw StoreError(.conflict, "certificate \(target) can no longer become a reserve") }
                detail += ", reserve activating \(StoreSchema.iso(reserveUntil))"
            }
        }
        let at = Self.seconds(rollover.createdAt)
        try db.execute(sql: """
            INSERT INTO rollovers (certificate_id, preset, state, created_at, host_name, check_at, deadline_at, addresses)
            VALUES (?, ?, 'open', ?, ?, ?, ?, ?)
            """, arguments: [rollover.certificateID, rollover.preset, at, host, Self.seconds(rollover.checkAt), Self.seconds(rollover.deadline),
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
            try self.audit(db, actor, heldAt == nil ? "rollover.extend" : "rollover.hold", "rollover", id, detail)
        }
    }

    public func completeRollover(id: Int64, at date: Date, detail: String, handover: StoredHandoverRecord?, actor: AuditActor) async throws {
        try await write { db in
            let target = try Self.openRollover(db, id: id, doing: "activated")
            guard let target else { throw StoreError(.conflict, "rollover \(id) has no target certificate to activate") }
            if let handover { try self.insertHandoverRecord(db, handover, actor: actor) }
            try self.activateCertificate(db, id: target, actor: actor)
            try db.execute(sql: "UPDATE rollovers SET state = 'completed', completed_at = ? WHERE id = ?", arguments: [Self.seconds(date), id])
            try self.audit(db, actor, "rollover.activate", "rollover", id, detail)
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
            try self.audit(db, actor, "rollover.cancel", "rollover", id, detail.joined(separator: ", "))
        }
    }

    /// The target of an open rollover; `notFound` when there is no such rollover, `conflict` when it is not open.
    static func openRollover(_ db: Database, id: Int64, doing: String) throws -> Int64? {
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
                stored.rolloverID = try self.insertRollover(db, NewRollover(certificateID: nil, preset: "trust", createdAt: artifact.addedAt,
                                                                            checkAt: artifact.addedAt, deadline: artifact.addedAt), actor: actor)
            }
            return try self.insertTrustArtifact(db, stored, actor: actor)
        }
    }

    func insertTrustArtifact(_ db: Database, _ artifact: TrustArtifactRecord, actor: AuditActor) throws -> TrustArtifactRecord {
        var stored = artifact
        try db.execute(sql: """
            INSERT INTO trust_artifacts (sha256, der, subject, not_after, role, rollover_id, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [stored.sha256, Data(stored.der), stored.subject, Self.seconds(stored.notAfter), stored.role.rawValue,
                             stored.rolloverID, Self.seconds(stored.addedAt)])
        stored.id = db.lastInsertedRowID
        stored.withdrawnAt = nil
        try audit(db, actor, "trust.add", "trust-artifact", stored.id, "\(stored.role.rawValue) \(stored.subject) sha256 \(stored.sha256)")
        return stored
    }

    public func trustArtifacts(includeWithdrawn: Bool) async throws -> [TrustArtifactRecord] {
        try await pool.read { db in
            let filter = includeWithdrawn ? "" : "WHERE withdrawn_at IS NULL"
            return try Row.fetchAll(db, sql: "SELECT * FROM trust_artifacts \(filter) ORDER BY id").map { row in
                try TrustArtifactRecord(id: row["id"], sha256: row["sha256"], der: Array(row["der"] as Data), subject: row["subject"],
                                    notAfter: Self.date(row["not_after"]),
                                    role: StoredValue.decode(row["role"], table: "trust_artifacts", column: "role", row: row["id"]),
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
            try self.audit(db, actor, "trust.withdraw", "trust-artifact", row["id"], "sha256 \(sha256)")
        }
    }
}
