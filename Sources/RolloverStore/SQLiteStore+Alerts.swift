import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
    public func insertAlert(_ alert: LifecycleAlert, at date: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO alerts (key, at, severity, code, message, certificate_id, rollover_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO NOTHING
                """, arguments: [alert.key, Self.seconds(date), alert.severity.rawValue, alert.code, alert.message, alert.certificateID,
                                 alert.rolloverID])
            return db.changesCount == 1
        }
    }

    public func alerts(limit: Int) async throws -> [AlertRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alerts ORDER BY at DESC, id DESC LIMIT ?", arguments: [limit]).map { row in
                try AlertRecord(id: row["id"], at: Self.date(row["at"]), alert: LifecycleAlert(
                    key: row["key"], severity: StoredValue.decode(row["severity"], table: "alerts", column: "severity", row: row["id"]), code: row["code"],
                    message: row["message"], certificateID: row["certificate_id"], rolloverID: row["rollover_id"]))
            }
        }
    }

    public func alertKeys() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT key FROM alerts")) }
    }
}
