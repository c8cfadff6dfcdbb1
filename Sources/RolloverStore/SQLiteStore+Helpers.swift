import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
    /// One write transaction; a unique violation becomes a `StoreError` conflict naming the column, not the value.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
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

    static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(id: row["id"], at: Self.date(row["at"]), actor: row["actor"], action: row["action"], subjectKind: row["subject_kind"],
                   subjectID: row["subject_id"], detail: row["detail"])
    }

    func audit(_ db: Database, _ actor: AuditActor, _ action: String, _ kind: String?, _ id: Int64?, _ detail: String?) throws {
        try db.execute(sql: "INSERT INTO audit_log (at, actor, action, subject_kind, subject_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [now, actor.name, action, kind, id, detail])
    }

    static func sealedKey(_ row: Row) -> SealedPrivateKey {
        SealedPrivateKey(publicKeySHA256: row["public_key_sha256"], algorithm: row["algorithm"], purpose: row["purpose"],
                         sealed: Array(row["sealed"] as Data), masterKeyID: row["master_key_id"])
    }

    static func certificate(_ row: Row) throws -> StoredCertificate {
        try StoredCertificate(
            id: row["id"], sha256: row["sha256"], der: Array(row["der"] as Data), chainPEM: row["chain_pem"], subject: row["subject"],
            notBefore: Self.date(row["not_before"]), notAfter: Self.date(row["not_after"]),
            state: StoredValue.decode(row["state"], table: "certificates", column: "state", row: row["id"]),
            source: StoredValue.decode(row["source"], table: "certificates", column: "source", row: row["id"]),
            privateKeyID: row["private_key_id"], hostName: row["host_name"], fromSigningRequest: (row["from_signing_request"] as Int) != 0)
    }

    static func rollover(_ row: Row) throws -> RolloverRecord {
        try RolloverRecord(
            id: row["id"], certificateID: row["certificate_id"], preset: row["preset"],
            state: StoredValue.decode(row["state"], table: "rollovers", column: "state", row: row["id"]), createdAt: Self.date(row["created_at"]), hostName: row["host_name"],
            checkAt: Self.date(row["check_at"]), deadline: Self.date(row["deadline_at"]), extensions: row["extensions"],
            heldAt: (row["held_at"] as Int64?).map(date), completedAt: (row["completed_at"] as Int64?).map(date),
            addresses: StoreSchema.addresses(row["addresses"]))
    }

    static func enrollmentSecret(_ row: Row) -> EnrollmentSecretRecord {
        EnrollmentSecretRecord(id: row["id"], name: row["name"], secretSHA256: row["secret_sha256"], createdAt: Self.date(row["created_at"]),
                               expiresAt: (row["expires_at"] as Int64?).map(date), revokedAt: (row["revoked_at"] as Int64?).map(date),
                               maxUses: row["max_uses"], uses: row["uses"])
    }

    static func device(_ row: Row) throws -> DeviceRecord {
        try DeviceRecord(id: row["id"], name: row["name"], platform: StoredValue.decode(row["platform"], table: "devices", column: "platform", row: row["id"]),
                     tokenSHA256: row["token_sha256"], agentVersion: row["agent_version"], enrolledAt: Self.date(row["enrolled_at"]),
                     lastSeenAt: (row["last_seen_at"] as Int64?).map(date), retiredAt: (row["retired_at"] as Int64?).map(date),
                     handoverSequence: (row["handover_sequence"] as Int64?).map { Int($0) })
    }

    var now: Int64 { Self.seconds(time.now()) }
    /// Whole seconds since 1970, clamped to `Int64` (a date far outside it, or NaN, must not trap a write).
    static func seconds(_ date: Date) -> Int64 {
        let value = date.timeIntervalSince1970.rounded(.down)
        if value.isNaN { return 0 }
        return value >= 9.2e18 ? .max : value <= -9.2e18 ? .min : Int64(value)
    }
    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
}
