import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
    public func insertEnrollmentSecret(name: String, secretSHA256: String, expiresAt: Date?, maxUses: Int?, actor: AuditActor) async throws -> Int64 {
        try NameLimit.check(name, what: "an enrollment secret's name")
        return try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM enrollment_secrets WHERE name = ?", arguments: [name]) == 0 else {
                throw StoreError(.conflict, "an enrollment secret named \"\(name)\" exists already")
            }
            try db.execute(sql: "INSERT INTO enrollment_secrets (name, secret_sha256, created_at, expires_at, max_uses) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name, secretSHA256, self.now, expiresAt.map(Self.seconds), maxUses])
            let id = db.lastInsertedRowID
            try self.audit(db, actor, "enrollment-secret.create", "enrollment-secret", id, name)
            return id
        }
    }

    public func enrollmentSecret(secretSHA256: String) async throws -> EnrollmentSecretRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(StoreSchema.enrollmentSecretColumns) FROM enrollment_secrets s WHERE s.secret_sha256 = ?",
                             arguments: [secretSHA256]).map(Self.enrollmentSecret)
        }
    }

    public func enrollmentSecrets() async throws -> [EnrollmentSecretRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(StoreSchema.enrollmentSecretColumns) FROM enrollment_secrets s ORDER BY s.id").map(Self.enrollmentSecret)
        }
    }

    public func revokeEnrollmentSecret(name: String, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE enrollment_secrets SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [self.now, name])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no active enrollment secret named \"\(name)\"") }
            try self.audit(db, actor, "enrollment-secret.revoke", "enrollment-secret", nil, name)
        }
    }
}
