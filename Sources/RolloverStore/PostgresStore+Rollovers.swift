import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

extension PostgresStore {
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
    func insertRollover(_ connection: PostgresConnection, _ rollover: NewRollover, actor: AuditActor) async throws -> Int64 {
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

    public func completeRollover(id: Int64, at date: Date, detail: String, handover: StoredHandoverRecord?, actor: AuditActor) async throws {
        try await transaction { connection in
            let target = try await self.openRollover(connection, id: id, doing: "activated")
            guard let target else { throw StoreError(.conflict, "rollover \(id) has no target certificate to activate") }
            if let handover { try await self.insertHandoverRecord(connection, handover, actor: actor) }
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
    func openRollover(_ connection: PostgresConnection, id: Int64, doing: String) async throws -> Int64? {
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

    func insertTrustArtifact(_ connection: PostgresConnection, _ artifact: TrustArtifactRecord, actor: AuditActor) async throws -> TrustArtifactRecord {
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
                                       role: try StoredValue.decode(role, table: "trust_artifacts", column: "role", row: id),
                                       rolloverID: rollover, addedAt: Self.date(added),
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
}
