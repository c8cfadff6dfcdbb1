import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
    /// Inside an activation's transaction: the record, refused unless it follows its host's newest one.
    func insertHandoverRecord(_ db: Database, _ record: StoredHandoverRecord, actor: AuditActor) throws {
        let latest = try Int.fetchOne(db, sql: "SELECT coalesce(max(sequence), 0) FROM handover_records WHERE host = ?", arguments: [record.host]) ?? 0
        guard record.sequence == latest + 1 else { throw StoredHandoverRecord.outOfSequence(record, latest: latest) }
        try db.execute(sql: "INSERT INTO handover_records (host, sequence, rollover_id, issued_at, document) VALUES (?, ?, ?, ?, ?)",
                       arguments: [record.host, record.sequence, record.rolloverID, Self.seconds(record.issuedAt), record.document])
        try audit(db, actor, "handover.record", "rollover", record.rolloverID, record.auditDetail)
    }

    public func handoverRecords(host: String, after sequence: Int, limit: Int) async throws -> [StoredHandoverRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM handover_records WHERE host = ? AND sequence > ? ORDER BY sequence LIMIT ?",
                             arguments: [host, sequence, limit]).map { row in
                StoredHandoverRecord(host: row["host"], sequence: row["sequence"], rolloverID: row["rollover_id"],
                                     issuedAt: Self.date(row["issued_at"]), document: row["document"])
            }
        }
    }

    public func latestHandoverSequences() async throws -> [String: Int] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT host, max(sequence) AS latest FROM handover_records GROUP BY host")
                .map { ($0["host"] as String, $0["latest"] as Int) })
        }
    }

    public func deleteHandoverRecords(issuedBefore date: Date, actor: AuditActor) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM handover_records WHERE issued_at < ?", arguments: [Self.seconds(date)])
            let deleted = db.changesCount
            if deleted > 0 { try self.audit(db, actor, "handover.prune", nil, nil, StoredHandoverRecord.pruneDetail(deleted, before: date)) }
            return deleted
        }
    }

    public func recordHandoverWalk(deviceID: Int64, from: Int, to: Int, actor: AuditActor) async throws {
        try await write { db in
            try self.audit(db, actor, "device.recover", "device", deviceID, StoredHandoverRecord.walkDetail(from: from, to: to))
        }
    }

    public func devicesBehind(handoverSequence sequence: Int) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: StoredHandoverRecord.countBehind(placeholder: "?"), arguments: [sequence]) ?? 0
        }
    }
}
