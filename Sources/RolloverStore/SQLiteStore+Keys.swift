import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
    public func insertPrivateKey(_ key: SealedPrivateKey, actor: AuditActor) async throws -> Int64 {
        try await write { db in
            if let current = try String.fetchOne(db, sql: "SELECT master_key_id FROM private_keys WHERE master_key_id <> ? LIMIT 1", arguments: [key.masterKeyID]) {
                throw MasterKeyRefusal.rotated(storeKey: current, processKey: key.masterKeyID)
            }
            try db.execute(sql: """
                INSERT INTO private_keys (public_key_sha256, algorithm, purpose, sealed, master_key_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [key.publicKeySHA256, key.algorithm, key.purpose, Data(key.sealed), key.masterKeyID, self.now])
            let id = db.lastInsertedRowID
            try self.audit(db, actor, "private-key.create", "private-key", id, "\(key.algorithm) for \(key.purpose)")
            return id
        }
    }

    public func privateKey(id: Int64) async throws -> SealedPrivateKey? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM private_keys WHERE id = ?", arguments: [id]).map(Self.sealedKey)
        }
    }

    public func privateKeyID(publicKeySHA256: String) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM private_keys WHERE public_key_sha256 = ?", arguments: [publicKeySHA256])
        }
    }

    public func allPrivateKeys() async throws -> [Int64: SealedPrivateKey] {
        try await pool.read { db in
            var keys: [Int64: SealedPrivateKey] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM private_keys") { keys[row["id"]] = Self.sealedKey(row) }
            return keys
        }
    }

    public func replacePrivateKeys(_ keys: [Int64: SealedPrivateKey], actor: AuditActor) async throws {
        try await write { db in
            let existing = try Int.fetchOne(db, sql: "SELECT count(*) FROM private_keys") ?? 0
            guard existing == keys.count else {
                throw StoreError(.conflict, "keys were added or removed during the rotation; run it again")
            }
            for (id, key) in keys {
                try db.execute(sql: "UPDATE private_keys SET sealed = ?, master_key_id = ? WHERE id = ?",
                               arguments: [Data(key.sealed), key.masterKeyID, id])
            }
            let master = keys.values.first?.masterKeyID ?? "-"
            try self.audit(db, actor, "master-key.rotate", nil, nil, "\(keys.count) keys re-sealed under master key \(master)")
        }
    }

    public func deletePrivateKey(id: Int64, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM private_keys WHERE id = ?", arguments: [id])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no private key \(id)") }
            try self.audit(db, actor, "private-key.delete", "private-key", id, nil)
        }
    }
}
