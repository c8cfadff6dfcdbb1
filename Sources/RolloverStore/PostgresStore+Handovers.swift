import Foundation
import PostgresNIO
import RolloverCore

extension PostgresStore {
    /// Inside an activation's transaction: the record, refused unless it follows its host's newest one. The
    /// primary key makes a second writer of the same sequence fail even when both read the same newest one.
    func insertHandoverRecord(_ connection: PostgresConnection, _ record: StoredHandoverRecord, actor: AuditActor) async throws {
        let latest = try await single(Int64.self, connection, "SELECT coalesce(max(sequence), 0) FROM handover_records WHERE host = \(record.host)")
        guard record.sequence == Int(latest) + 1 else { throw StoredHandoverRecord.outOfSequence(record, latest: Int(latest)) }
        try await connection.query("""
            INSERT INTO handover_records (host, sequence, rollover_id, issued_at, document)
            VALUES (\(record.host), \(Int64(record.sequence)), \(record.rolloverID), \(Self.seconds(record.issuedAt)), \(record.document))
            """, logger: logger)
        try await audit(connection, actor, "handover.record", "rollover", record.rolloverID, record.auditDetail)
    }

    public func handoverRecords(host: String, after sequence: Int, limit: Int) async throws -> [StoredHandoverRecord] {
        try await rows("""
            SELECT host, sequence, rollover_id, issued_at, document FROM handover_records
            WHERE host = \(host) AND sequence > \(Int64(sequence)) ORDER BY sequence LIMIT \(Int64(limit))
            """).map { row in
            let (host, sequence, rollover, issued, document) = try row.decode((String, Int64, Int64?, Int64, String).self)
            return StoredHandoverRecord(host: host, sequence: Int(sequence), rolloverID: rollover, issuedAt: Self.date(issued), document: document)
        }
    }

    public func latestHandoverSequences() async throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try await rows("SELECT host, max(sequence) FROM handover_records GROUP BY host").map { row in
            let (host, latest) = try row.decode((String, Int64).self)
            return (host, Int(latest))
        })
    }

    public func deleteHandoverRecords(issuedBefore date: Date, actor: AuditActor) async throws -> Int {
        try await transaction { connection in
            let deleted = try await self.collect(connection, "DELETE FROM handover_records WHERE issued_at < \(Self.seconds(date)) RETURNING sequence").count
            if deleted > 0 {
                try await self.audit(connection, actor, "handover.prune", nil, nil, StoredHandoverRecord.pruneDetail(deleted, before: date))
            }
            return deleted
        }
    }

    public func recordHandoverWalk(deviceID: Int64, from: Int, to: Int, actor: AuditActor) async throws {
        try await transaction { connection in
            try await self.audit(connection, actor, "device.recover", "device", deviceID, StoredHandoverRecord.walkDetail(from: from, to: to))
        }
    }

    public func devicesBehind(handoverSequence sequence: Int) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(Int64(sequence))
        let query = PostgresQuery(unsafeSQL: StoredHandoverRecord.countBehind(placeholder: "$1"), binds: binds)
        return Int(try await rows(query).first?.decode(Int64.self) ?? 0)
    }
}
