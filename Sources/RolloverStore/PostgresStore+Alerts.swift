import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

extension PostgresStore {
    public func insertAlert(_ alert: LifecycleAlert, at date: Date) async throws -> Bool {
        try await transaction { connection in
            let inserted = try await self.collect(connection, """
                INSERT INTO alerts (key, at, severity, code, message, certificate_id, rollover_id)
                VALUES (\(alert.key), \(Self.seconds(date)), \(alert.severity.rawValue), \(alert.code), \(alert.message), \(alert.certificateID),
                  \(alert.rolloverID))
                ON CONFLICT (key) DO NOTHING RETURNING id
                """)
            return inserted.count == 1
        }
    }

    public func alerts(limit: Int) async throws -> [AlertRecord] {
        try await rows("""
            SELECT id, at, key, severity, code, message, certificate_id, rollover_id FROM alerts ORDER BY at DESC, id DESC LIMIT \(limit)
            """).map { row in
            let (id, at, key, severity, code, message, certificate, rollover) =
                try row.decode((Int64, Int64, String, String, String, String, Int64?, Int64?).self)
            return AlertRecord(id: id, at: Self.date(at), alert: LifecycleAlert(
                key: key, severity: try StoredValue.decode(severity, table: "alerts", column: "severity", row: id), code: code, message: message,
                certificateID: certificate, rolloverID: rollover))
        }
    }

    public func alertKeys() async throws -> Set<String> {
        Set(try await rows("SELECT key FROM alerts").map { try $0.decode(String.self) })
    }
}
