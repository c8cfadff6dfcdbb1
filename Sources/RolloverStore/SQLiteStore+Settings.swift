import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
    public func setSetting(_ key: String, to value: String, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
            try self.audit(db, actor, "setting.change", "setting", nil, "\(key) = \(value)")
        }
    }

    public func setting(_ key: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key]) }
    }

    public func settings() async throws -> [String: String] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM settings").map { ($0["key"] as String, $0["value"] as String) })
        }
    }

    public func insertAdminToken(name: String, tokenSHA256: String, actor: AuditActor) async throws -> Int64 {
        try NameLimit.check(name, what: "an admin token's name")
        return try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM admin_tokens WHERE name = ?", arguments: [name]) == 0 else {
                throw StoreError(.conflict, "an admin token named \"\(name)\" exists already")
            }
            try db.execute(sql: "INSERT INTO admin_tokens (name, token_sha256, created_at) VALUES (?, ?, ?)", arguments: [name, tokenSHA256, self.now])
            let id = db.lastInsertedRowID
            try self.audit(db, actor, "admin-token.create", "admin-token", id, name)
            return id
        }
    }

    public func adminToken(tokenSHA256: String) async throws -> AdminTokenRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM admin_tokens WHERE token_sha256 = ?", arguments: [tokenSHA256]).map { row in
                AdminTokenRecord(id: row["id"], name: row["name"], tokenSHA256: row["token_sha256"], createdAt: Self.date(row["created_at"]),
                                 revokedAt: (row["revoked_at"] as Int64?).map(Self.date))
            }
        }
    }

    public func revokeAdminToken(name: String, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE admin_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [self.now, name])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no active admin token named \"\(name)\"") }
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM admin_tokens WHERE revoked_at IS NULL") ?? 0 > 0 else {
                throw AdminTokenRefusal.lastToken(name)   // thrown inside the transaction: the revocation is rolled back
            }
            try self.audit(db, actor, "admin-token.revoke", "admin-token", nil, name)
        }
    }

    public func adminTokens() async throws -> [AdminTokenRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM admin_tokens ORDER BY id").map { row in
                AdminTokenRecord(id: row["id"], name: row["name"], tokenSHA256: row["token_sha256"], createdAt: Self.date(row["created_at"]),
                                 revokedAt: (row["revoked_at"] as Int64?).map(Self.date))
            }
        }
    }

    public func auditLog(limit: Int, before: Int64?) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?", arguments: [before ?? Int64.max, limit]).map(Self.auditEntry)
        }
    }
}
