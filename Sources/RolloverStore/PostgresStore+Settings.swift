import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

extension PostgresStore {
    public func setSetting(_ key: String, to value: String, actor: AuditActor) async throws {
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO settings (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: self.logger)
            try await self.audit(connection, actor, "setting.change", "setting", nil, "\(key) = \(value)")
        }
    }

    public func setting(_ key: String) async throws -> String? {
        let found = try await rows("SELECT value FROM settings WHERE key = \(key)")
        return try found.first?.decode(String.self)
    }

    public func settings() async throws -> [String: String] {
        var values: [String: String] = [:]
        for row in try await rows("SELECT key, value FROM settings") {
            let (key, value) = try row.decode((String, String).self)
            values[key] = value
        }
        return values
    }

    public func insertAdminToken(name: String, tokenSHA256: String, actor: AuditActor) async throws -> Int64 {
        try NameLimit.check(name, what: "an admin token's name")
        return try await transaction { connection in
            let taken = try await self.single(Int64.self, connection, "SELECT count(*) FROM admin_tokens WHERE name = \(name)")
            guard taken == 0 else { throw StoreError(.conflict, "an admin token named \"\(name)\" exists already") }
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO admin_tokens (name, token_sha256, created_at) VALUES (\(name), \(tokenSHA256), \(self.now)) RETURNING id
                """)
            try await self.audit(connection, actor, "admin-token.create", "admin-token", id, name)
            return id
        }
    }

    public func adminToken(tokenSHA256: String) async throws -> AdminTokenRecord? {
        let found = try await rows("SELECT id, name, token_sha256, created_at, revoked_at FROM admin_tokens WHERE token_sha256 = \(tokenSHA256)")
        return try found.first.map { row in
            let (id, name, hash, created, revoked) = try row.decode((Int64, String, String, Int64, Int64?).self)
            return AdminTokenRecord(id: id, name: name, tokenSHA256: hash, createdAt: Self.date(created), revokedAt: revoked.map(Self.date))
        }
    }

    public func revokeAdminToken(name: String, actor: AuditActor) async throws {
        try await transaction { connection in
            // The active tokens locked first, so two revocations of the last two cannot both see the other one left.
            let active = try await self.collect(connection, "SELECT name FROM admin_tokens WHERE revoked_at IS NULL ORDER BY id FOR UPDATE")
            let names = try active.map { try $0.decode(String.self) }
            guard names.contains(name) else { throw StoreError(.notFound, "no active admin token named \"\(name)\"") }
            guard names.count > 1 else { throw AdminTokenRefusal.lastToken(name) }
            let revoked = try await self.collect(connection, """
                UPDATE admin_tokens SET revoked_at = \(self.now) WHERE name = \(name) AND revoked_at IS NULL RETURNING id
                """)
            guard revoked.count == 1 else { throw StoreError(.notFound, "no active admin token named \"\(name)\"") }
            try await self.audit(connection, actor, "admin-token.revoke", "admin-token", nil, name)
        }
    }

    public func adminTokens() async throws -> [AdminTokenRecord] {
        try await rows("SELECT id, name, token_sha256, created_at, revoked_at FROM admin_tokens ORDER BY id").map { row in
            let (id, name, hash, created, revoked) = try row.decode((Int64, String, String, Int64, Int64?).self)
            return AdminTokenRecord(id: id, name: name, tokenSHA256: hash, createdAt: Self.date(created), revokedAt: revoked.map(Self.date))
        }
    }

    public func auditLog(limit: Int, before: Int64?) async throws -> [AuditEntry] {
        try await rows("""
            SELECT id, at, actor, action, subject_kind, subject_id, detail FROM audit_log WHERE id < \(before ?? Int64.max)
            ORDER BY id DESC LIMIT \(limit)
            """).map(Self.auditEntry)
    }

    public func confirmationTimeline(rolloverID: Int64, bucketSeconds: Int) async throws -> [(start: Date, count: Int)] {
        let bucket = Int64(max(bucketSeconds, 1))
        return try await rows("""
            SELECT updated_at / \(bucket) AS bucket, count(*) FROM deliveries WHERE rollover_id = \(rolloverID) AND state = \(DeliveryState.installed.rawValue)
            GROUP BY bucket ORDER BY bucket
            """).map { row in
            let (start, count) = try row.decode((Int64, Int64).self)
            return (start: Self.date(start * bucket), count: Int(count))
        }
    }

    public func auditHistory(subjectKind: String, subjectID: Int64, limit: Int) async throws -> [AuditEntry] {
        try await rows("""
            SELECT id, at, actor, action, subject_kind, subject_id, detail FROM audit_log
            WHERE subject_kind = \(subjectKind) AND subject_id = \(subjectID) ORDER BY id DESC LIMIT \(limit)
            """).map(Self.auditEntry)
    }
}
